"""Model providers: OpenRouter (any OpenAI-compatible server) and the built-in simulated models."""
