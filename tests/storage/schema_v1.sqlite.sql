-- The SQLite schema written by pytest-llmbench schema version 1 (dumped from that code, kept frozen).
CREATE TABLE llmbench_schema (
	id INTEGER NOT NULL, 
	version INTEGER NOT NULL, 
	upgraded_at DATETIME NOT NULL, 
	PRIMARY KEY (id)
);

CREATE TABLE questions (
	id INTEGER NOT NULL, 
	"key" VARCHAR(255) NOT NULL, 
	dataset VARCHAR(255) NOT NULL, 
	category TEXT, 
	clue TEXT NOT NULL, 
	answer TEXT NOT NULL, 
	value INTEGER, 
	round VARCHAR(64), 
	air_date DATE, 
	show_number INTEGER, 
	difficulty INTEGER, 
	first_seen DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE ("key")
);

CREATE TABLE benchmark_runs (
	id INTEGER NOT NULL, 
	name VARCHAR(255) NOT NULL, 
	status VARCHAR(32) NOT NULL, 
	started_at DATETIME NOT NULL, 
	finished_at DATETIME, 
	seed INTEGER NOT NULL, 
	sample VARCHAR(32), 
	models JSON NOT NULL, 
	dataset TEXT NOT NULL, 
	dataset_origin TEXT, 
	grader VARCHAR(64) NOT NULL, 
	config JSON NOT NULL, 
	environment JSON NOT NULL, 
	totals JSON, 
	exit_status INTEGER, 
	parent_id INTEGER, 
	parent_relation VARCHAR(32), 
	PRIMARY KEY (id), 
	FOREIGN KEY(parent_id) REFERENCES benchmark_runs (id)
);

CREATE TABLE models (
	id VARCHAR(255) NOT NULL, 
	data JSON NOT NULL, 
	fetched_at DATETIME NOT NULL, 
	PRIMARY KEY (id)
);

CREATE TABLE response_cache (
	"key" VARCHAR(64) NOT NULL, 
	model VARCHAR(255) NOT NULL, 
	request JSON NOT NULL, 
	completion JSON NOT NULL, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY ("key")
);

CREATE INDEX ix_response_cache_model ON response_cache (model);

CREATE TABLE benchmark_results (
	id INTEGER NOT NULL, 
	run_id INTEGER NOT NULL, 
	question_id INTEGER NOT NULL, 
	model VARCHAR(255) NOT NULL, 
	simulated BOOLEAN NOT NULL, 
	nodeid TEXT NOT NULL, 
	repeat INTEGER NOT NULL, 
	outcome VARCHAR(16) NOT NULL, 
	response_text TEXT NOT NULL, 
	correct BOOLEAN, 
	score FLOAT, 
	grader VARCHAR(64), 
	grade_method VARCHAR(128), 
	explanation TEXT, 
	matched TEXT, 
	verdict VARCHAR(32), 
	confidence FLOAT, 
	latency_ms FLOAT, 
	ttft_ms FLOAT, 
	prompt_tokens INTEGER, 
	completion_tokens INTEGER, 
	cost_usd FLOAT, 
	cost_estimated BOOLEAN NOT NULL, 
	grade_cost_usd FLOAT NOT NULL, 
	cached BOOLEAN NOT NULL, 
	attempts INTEGER NOT NULL, 
	error TEXT, 
	error_kind VARCHAR(32), 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_result_item UNIQUE (run_id, nodeid, repeat), 
	FOREIGN KEY(run_id) REFERENCES benchmark_runs (id) ON DELETE CASCADE, 
	FOREIGN KEY(question_id) REFERENCES questions (id)
);

CREATE INDEX ix_results_run_model ON benchmark_results (run_id, model);

CREATE TABLE model_performance (
	id INTEGER NOT NULL, 
	run_id INTEGER NOT NULL, 
	model VARCHAR(255) NOT NULL, 
	simulated BOOLEAN NOT NULL, 
	items INTEGER NOT NULL, 
	answered INTEGER NOT NULL, 
	correct INTEGER NOT NULL, 
	errors INTEGER NOT NULL, 
	skipped INTEGER NOT NULL, 
	accuracy FLOAT, 
	ci_low FLOAT, 
	ci_high FLOAT, 
	latency_p50_ms FLOAT, 
	latency_p95_ms FLOAT, 
	prompt_tokens INTEGER NOT NULL, 
	completion_tokens INTEGER NOT NULL, 
	cost_usd FLOAT NOT NULL, 
	cost_per_correct FLOAT, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_perf_run_model UNIQUE (run_id, model), 
	FOREIGN KEY(run_id) REFERENCES benchmark_runs (id) ON DELETE CASCADE
);

