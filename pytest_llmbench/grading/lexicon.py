"""Word lists the matcher relies on to tell a typo from a different entity.

A fuzzy match is refused when the reply's word is itself a known name (``Austria`` for ``Australia``,
``Columbia`` for ``Colombia``, ``Helen`` for ``Helena``): a real, different name is never a typo. The lists
are small and curated on purpose; they only need the names that sit one or two edits from another name.
"""

from __future__ import annotations


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: Countries, US states, capitals and large cities, one word each (multi-word names contribute their words).
PLACES: frozenset[str] = _words(
    """
    afghanistan albania algeria andorra angola argentina armenia australia austria azerbaijan bahamas bahrain
    bangladesh barbados belarus belgium belize benin bhutan bolivia bosnia botswana brazil brunei bulgaria
    burkina burundi cambodia cameroon canada chad chile china colombia comoros congo croatia cuba cyprus
    czechia denmark djibouti dominica dominican ecuador egypt eritrea estonia eswatini ethiopia fiji finland
    france gabon gambia georgia germany ghana greece grenada guatemala guinea guyana haiti honduras hungary
    iceland india indonesia iran iraq ireland israel italy jamaica japan jordan kazakhstan kenya kiribati
    korea kosovo kuwait kyrgyzstan laos latvia lebanon lesotho liberia libya liechtenstein lithuania
    luxembourg madagascar malawi malaysia maldives mali malta mauritania mauritius mexico micronesia moldova
    monaco mongolia montenegro morocco mozambique myanmar burma namibia nauru nepal netherlands holland
    nicaragua niger nigeria norway oman pakistan palau panama paraguay peru philippines poland portugal
    qatar romania russia rwanda samoa senegal serbia seychelles singapore slovakia slovenia somalia spain
    sudan suriname sweden switzerland syria taiwan tajikistan tanzania thailand togo tonga trinidad tunisia
    turkey turkmenistan tuvalu uganda ukraine uruguay uzbekistan vanuatu venezuela vietnam yemen zambia
    zimbabwe england scotland wales britain prussia persia ceylon siam rhodesia zaire bohemia austral
    alabama alaska arizona arkansas california colorado connecticut delaware florida hawaii idaho illinois
    indiana iowa kansas kentucky louisiana maine maryland massachusetts michigan minnesota mississippi
    missouri montana nebraska nevada ohio oklahoma oregon pennsylvania tennessee texas utah vermont virginia
    washington wisconsin wyoming dakota carolina hampshire jersey
    montgomery juneau phoenix sacramento denver hartford dover tallahassee atlanta honolulu boise
    springfield indianapolis topeka frankfort baton rouge augusta annapolis boston lansing paul jackson
    jefferson helena lincoln carson concord trenton santa albany raleigh bismarck columbus salem harrisburg
    providence columbia pierre nashville austin salt lake montpelier richmond olympia charleston madison
    cheyenne
    paris london rome berlin madrid lisbon vienna prague warsaw budapest athens moscow kiev kyiv oslo
    stockholm helsinki copenhagen dublin brussels amsterdam bern geneva zurich cairo nairobi lagos tokyo
    kyoto osaka beijing peking shanghai seoul delhi mumbai bombay calcutta kolkata bangkok manila jakarta
    hanoi saigon sydney melbourne canberra auckland wellington toronto montreal ottawa vancouver quebec
    chicago houston dallas miami seattle portland detroit denver baltimore philadelphia pittsburgh
    cleveland cincinnati memphis orleans vegas angeles diego francisco antonio lima bogota caracas quito
    havana tehran baghdad damascus beirut jerusalem ankara istanbul constantinople riyadh mecca medina
    kabul karachi lahore dhaka singapore venice florence milan naples turin genoa marseille lyon nice
    munich hamburg cologne dresden bonn leipzig edinburgh glasgow belfast cardiff liverpool manchester
    oxford cambridge york nome reno tulsa tampa orlando omaha waco yale
    nile amazon rhine danube ganges volga thames seine yangtze mekong hudson tigris euphrates indus congo
    everest erie huron ontario superior michigan
    """
)

#: Planets, moons, gods, elements and other names that are one edit from another name.
CONFUSABLE_NAMES: frozenset[str] = _words(
    """
    mercury venus earth mars jupiter saturn uranus neptune pluto io europa ganymede callisto titan triton
    ion iron neon argon xenon radon boron carbon helium lithium sodium calcium
    zeus hera ares apollo artemis athena hermes hades poseidon juno janus
    helen helena maria mario marie austen paula paulo julia julian julius
    anne anna ann louis louise lewis francis frances carl karl eric erik
    adams adam john johns james jim william williams henry harry
    hughes hugh hawkins hawking stevens stephens mathews matthews
    michaels michael jordan jordans nicholas nicolas columbia colombia columbus
    dominica dominican austrian australian swiss swede swedish
    lenin lennon
    """
)

#: Common words that one letter turns into another word ("immanent" is not a typo of "imminent").
CONFUSABLE_WORDS: frozenset[str] = _words(
    """
    immanent imminent eminent affect effect principal principle complement compliment stationary
    stationery desert dessert prostate prostrate elicit illicit allusion illusion
    """
)

#: Proper names: no plural rule for these ("Wales" is not the plural of "Wale").
PROPER_NAMES: frozenset[str] = PLACES | CONFUSABLE_NAMES
KNOWN_NAMES: frozenset[str] = PROPER_NAMES | CONFUSABLE_WORDS

#: Words that change which entity a name refers to (North Dakota vs South Dakota, New Mexico vs Mexico).
DISTINGUISHING_WORDS: frozenset[str] = _words(
    """
    north south east west northern southern eastern western northeast northwest southeast southwest
    central upper lower new old great little greater lesser elder younger junior senior major minor
    first last grand
    post pre neo anti non proto ex vice counter pseudo semi
    """
)

#: Descriptors that may be added or left off a place or thing ("the Mississippi River", "Lake Titicaca").
GENERIC_DESCRIPTORS: frozenset[str] = _words(
    """
    river lake mount mountain mountains island islands city state ocean sea desert county province region
    century band canal bay peninsula valley
    """
)

#: What kind of thing a name is, said after it ("Balmoral Castle", "Heathrow Airport"): a reply may leave it off.
TYPE_WORDS: frozenset[str] = _words(
    """
    castle palace beach airport museum university college hospital park cathedral basilica church temple
    abbey tower bridge building institution institute prison festival games range pass dynasty family people
    tribe language company corporation airline airlines brand gum cheese soup disease syndrome theory
    """
)

#: Descriptors that may only precede a name ("the Kingdom of Lesotho", "the Strait of Gibraltar").
LEADING_DESCRIPTORS: frozenset[str] = _words("republic kingdom commonwealth federation principality strait")

#: Honorifics that may prefix a person's name ("Queen Victoria" = "Victoria").
TITLES: frozenset[str] = _words(
    """
    king queen president saint sir lord lady doctor dr pope prince princess general emperor empress tsar czar
    mister mr mrs ms miss reverend captain senator governor professor dame count countess duke duchess baron
    earl sultan shah pharaoh chairman
    marshal admiral commodore sheriff bishop rabbi madame monsieur herr frau
    mahatma ayatollah imam sheikh sheik swami guru caliph maharaja rajah
    """
)

#: Words that are dropped when comparing tokens ("The Origin of Species" = "Origin of the Species").
STOPWORDS: frozenset[str] = _words("the a an of and")

#: Clue words that say the answer is a person, enabling the surname rule.
PERSON_CUES: frozenset[str] = _words(
    """
    he him his she her hers who whom whose man woman men women boy girl author actor actress singer
    president king queen poet artist painter composer writer novelist playwright explorer scientist
    inventor general leader emperor empress pope saint prophet philosopher star player comedian host
    director dramatist lady son daughter wife husband mother father brother sister presidential senator
    governor first-lady lord sir dame musician rapper pitcher quarterback coach golfer boxer tennis
    physicist chemist astronomer mathematician biologist economist sculptor architect designer
    maker founder magnate tycoon businessman businesswoman entrepreneur industrialist exec executive chef
    heiress heir monarch ruler tsar czar pharaoh sultan dictator statesman diplomat general admiral
    rocker crooner diva back receiver catcher shortstop linebacker skier skater swimmer runner
    wrote sang painted composed directed starred invented discovered founded married died ruled
    reigned signed won led served played portrayed auditioned defeated lost
    """
)

#: Tokens that make a capitalised key something other than a person's name ("Air France", "Ellis Island").
NON_PERSON_TOKENS: frozenset[str] = (
    _words(
        """
        air bank club company corporation museum street avenue road island islands bay center centre party
        way affair boy bears soup train house hall park bridge tower university college school church
        airlines airways records motors foods group war battle treaty act river lake mount mountain city
        state ocean sea world cup bowl award prize games league series show theatre theater hotel square
        cathedral palace castle fort canal gate station press times news magazine united kingdom
        republic empire sri puerto costa el saudi
        """
    )
    | DISTINGUISHING_WORDS
)


def _familiar(text: str) -> dict[str, frozenset[str]]:
    table: dict[str, frozenset[str]] = {}
    for line in text.strip().splitlines():
        formal, familiar = line.split(":")
        for name in formal.split():
            table[name] = table.get(name, frozenset()) | frozenset(familiar.split())
    return table


#: Given names and the familiar forms (hypocorisms) people are known by: "Teddy" Roosevelt is Theodore,
#: "Jimmy" Carter is James. Formal name on the left. Forms that are also common names of their own (Harry for
#: Henry, Jack for John, Nancy for Ann) are left out: there the familiar form often names another person.
FAMILIAR_FORMS: dict[str, frozenset[str]] = _familiar(
    """
    william: bill billy will willy willie liam
    robert: bob bobby rob robbie
    richard: dick rick ricky rich richie
    james: jim jimmy jimmie jamie
    joseph: joe joey
    thomas: tom tommy
    theodore: ted teddy theo
    edward: ed eddie eddy ned ted teddy
    charles: charlie chuck
    michael: mike mikey mick mickey
    christopher: chris
    nicholas nicolas: nick nicky
    anthony antony: tony
    daniel: dan danny
    david: dave davey davy
    donald: don donnie
    ronald: ron ronnie
    benjamin: ben benny
    samuel: sam sammy
    gerald: jerry gerry
    lawrence laurence: larry
    leonard: len lenny
    frederick frederic: fred freddie freddy
    francis: frank frankie
    franklin: frank
    alexander: alex alec
    andrew: andy
    stephen steven: steve
    peter: pete
    patrick: pat paddy
    raymond: ray
    albert: al bert
    walter: walt wally
    gregory: greg
    matthew: matt
    timothy: tim timmy
    kenneth: ken kenny
    douglas: doug
    eugene: gene
    vincent: vince vinnie
    zachary: zach zack
    jacob: jake
    rudolph rudolf: rudy
    abraham: abe
    johannes: jan hans
    elizabeth: liz lizzie beth betty betsy libby
    margaret: maggie meg peggy marge margie
    katherine catherine kathryn: kate katie kathy cathy kitty
    susan: sue susie
    deborah: debbie deb
    jennifer: jenny jen
    patricia: pat patty trish
    barbara: barb
    dorothy: dot dottie dolly
    rebecca: becky
    judith: judy
    abigail: abby
    victoria: vicky
    christina christine: chris tina
    cynthia: cindy
    josephine: jo josie
    eleanor: ellie nell
    theresa teresa: terry tess
    """
)
