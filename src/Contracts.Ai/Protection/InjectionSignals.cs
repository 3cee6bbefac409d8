using System;
using System.Buffers;
using System.Text.RegularExpressions;

namespace Contracts.Ai;

/// <summary>
/// The phrasing patterns of <see cref="HeuristicInjectionDetector"/>: general shapes of instruction
/// overrides, persona hijacks, guardrail evasion, system-prompt exfiltration and fake markup, each
/// with one weight for user prompts and one for indirect content (tool output, retrieved documents).
/// </summary>
internal static partial class InjectionSignals
{
    private const RegexOptions Options = RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture;

    internal const string InstructionOverride = "instruction_override";
    internal const string PersonaHijack = "persona_hijack";
    internal const string RolePlaySetup = "roleplay_setup";
    internal const string GuardrailEvasion = "guardrail_evasion";
    internal const string SystemPromptExfiltration = "system_prompt_exfiltration";
    internal const string FakeMarkup = "fake_markup";
    internal const string FakeConversation = "fake_conversation";
    internal const string DualResponse = "dual_response";
    internal const string OutputDirective = "output_directive";
    internal const string CodeDirective = "code_directive";
    internal const string ModelReference = "model_reference";
    internal const string RuleRewriting = "rule_rewriting";
    internal const string FictionalFraming = "fictional_framing";
    internal const string FormatForcing = "format_forcing";
    internal const string TemplatePlaceholder = "template_placeholder";
    internal const string HarmfulCompliance = "harmful_compliance";
    internal const string InvisibleTagCharacters = "invisible_unicode_tags";
    internal const string InvisibleZeroWidth = "invisible_unicode_zero_width";
    internal const string BidiControls = "invisible_unicode_bidi";
    internal const string EncodedPayload = "encoded_payload";
    internal const string MixedScript = "confusable_characters";
    internal const string LearnedPrompt = "classifier_prompt";
    internal const string LearnedInstruction = "classifier_instruction";

    /// <summary>Every phrasing signal: name, weight in user prompts, weight in indirect content, pattern.</summary>
    private static readonly string[] Harmful = ["illegal", "unethical", "immoral", "harmful", "explicit", "nsfw", "offensive", "malicious", "dangerous", "inappropriate"];

    private static readonly string[] OverrideVerbs =
    [
        "ignor", "oubli", "vergiss", "vergessen", "olvid", "esquec", "dimentic", "negeer", "vergeet", "desconsider", "descarta",
        "omiso", "tiens pas compte", "tenez pas compte", "missacht", "uberschreib", "trascura", "non tenere",
    ];

    // Every verb of RevealSystemPromptEuropean, one of which each match starts with.
    private static readonly string[] RevealVerbsEuropean =
    [
        "revele", "montre", "affiche", "donne", "repete", "zeig", "gib", "verrate", "wiederhole", "revela", "muestra", "dime", "repite",
        "mostre", "mostra", "rivela", "ripeti", "dimmi", "toon", "geef", "herhaal", "onthul",
    ];

    private static readonly string[] ForgetVerbs = ["oubli", "vergiss", "olvid", "esquec", "dimentic", "vergeet"];

    /// <summary>Every phrasing signal: name, weight in user prompts, weight in indirect content, pattern, and the anchors around which the pattern is tried.</summary>
    internal static readonly Signal[] All =
    [
        new(InstructionOverride, 0.7, 0.8, IgnorePreviousInstructions(), A("ignore", "disregard", "forget", "override", "bypass", "skip", "drop", "abandon", "let go", "set aside"), 1, 160),
        new(InstructionOverride, 0.6, 0.8, ForgetEverything(), A("ignore", "disregard", "forget"), 1, 160),
        new(InstructionOverride, 0.6, 0.8, NewInstructions(), A("instruction", "rules", "directive", "task"), 40, 40),
        new(PersonaHijack, 0.5, 0.6, YouAreNow(), A("you are", "you're", "simulate", "emulate", "impersonate", "persona", " as a", " as an"), 30, 160),
        new(PersonaHijack, 0.35, 0.5, FromNowOn(), A("from now on", "pretend", "character", "mode"), 60, 40),
        new(PersonaHijack, 0.45, 0.5, UnrestrictedMode(), A("mode", "do anything now"), 30, 30),
        new(PersonaHijack, 0.45, 0.6, RenamedOrRulesLifted(), A("name", "apply", "mode"), 100, 60),
        new(PersonaHijack, 0.25, 0.3, Jailbreak(), A("jailbr"), 1, 20),
        new(RolePlaySetup, 0.35, 0.4, RolePlay(), RolePlayNamed(), A("you are", "you will", "you shall", "you must", "you now", "now you", "want you", "act like", "respond as", "respond only as", "character", "roleplay", "role-play", "play the", "persona", "personify", "transform into", "entities", "personalities", " ais"), 30, 100),
        new(GuardrailEvasion, 0.45, 0.5, WithoutRestrictions(), A("restriction", "limitation", "limits", "filter", "censorship", "guideline", "rules", "polic", "moral", "ethic", "boundaries", "safeguard", "warning"), 160, 40),
        new(GuardrailEvasion, 0.35, 0.4, NeverRefuse(), A("refuse", "decline", "deny", "amoral", "unethical", "uncensored", "unfiltered", "unrestricted", "content polic"), 60, 60),
        new(GuardrailEvasion, 0.35, 0.4, NoMatterWhat(), A("no matter", "regardless of", "even if"), 1, 140),
        new(SystemPromptExfiltration, 0.6, 0.8, RevealSystemPrompt(), A("prompt", "instructions", "message", "above", "before", "prior"), 100, 60),
        new(FakeMarkup, 0.6, 0.8, ChatTemplateMarkup(), A("<|", "inst]", "<<sys>>", "<</sys>>", "<system", "</system", "<assistant", "</assistant", "<tool", "</tool", "<function_call", "</function_call", "##"), 40, 60) { PerAnchor = true },
        new(FakeConversation, 0.45, 0.6, ConversationTurnsPattern(), A("human", "user", "assistant", "system", "ai:", "ai :", "chatgpt", "[admin", "[developer", "[debug"), 60, 100) { Required = SearchValues.Create(":]"), WholeText = ConversationTurns.Occur },
        new(DualResponse, 0.45, 0.4, TwoResponsesPattern(), A("responses", "answers", "paragraphs", "classic", "jailbreak", "normal", "developer mode"), 100, 120) { WholeText = DualResponses.Occur },
        new(OutputDirective, 0.1, 0.6, InYourResponse(), A("your response", "your answer", "your repl", "your output", "the response", "the answer", "the repl", "the output", "your final", "your next", "the final", "the next"), 80, 40),
        new(CodeDirective, 0.1, 0.6, IncludeFollowingCode(), A("incorporate", "integrate", "append", "insert", "embed", "meld", "merge", "utilize", "enlist", "ensure", "execute"), 1, 200),
        new(ModelReference, 0.25, 0.3, ModelNames(), A("gpt", "openai", "bard", "claude", "llama", "language model", "ai model", "ai assistant", "ai language"), 30, 60),
        new(RuleRewriting, 0.3, 0.4, AlwaysNever(), A("always", "never", "must not", "do not ever"), 1, 100),
        new(FictionalFraming, 0.3, 0.3, Hypothetical(), A("hypothetical", "fictional", "fictitious", "imaginary", "alternate", "alternative", "parallel", "simulated"), 1, 80),
        new(FormatForcing, 0.3, 0.4, StartEveryResponse(), A("response", "output", "answer", "repl", "message", "prompt", "question", "request"), 100, 30),
        new(TemplatePlaceholder, 0.35, 0.2, PromptPlaceholder(), A("[insert", "[your", "[enter", "[put", "[write", "[prompt", "[input", "[question", "[request", "{prompt", "{input", "{question", "{request", "<insert", "<your", "<enter"), 1, 80),
        new(HarmfulCompliance, 0.3, 0.3, HarmfulWords(), A(Harmful), 1, 260),

        // French, German, Spanish, Portuguese, Italian and Dutch; the text is accent-folded before matching.
        new(InstructionOverride, 0.7, 0.8, IgnorePreviousInstructionsEuropean(), A(OverrideVerbs), 1, 160),
        new(InstructionOverride, 0.6, 0.8, ForgetEverythingEuropean(), A(ForgetVerbs), 1, 80),
        new(InstructionOverride, 0.6, 0.8, NewInstructionsEuropean(), A("instruc", "anweisung", "istruzion", "regles", "regeln", "reglas", "regras", "regole", "regels", "consignes", "opdracht"), 40, 40),
        new(PersonaHijack, 0.5, 0.6, YouAreNowEuropean(), A("maintenant", "jetzt", "ahora", "agora", "adesso", "ora ", "nu ", "vanaf", "d'ora", "partir", "desormais", "ab sofort"), 40, 80),
        new(SystemPromptExfiltration, 0.6, 0.8, RevealSystemPromptEuropean(), A("prompt", "instruc", "anweisung", "istruzion"), 100, 60) { RequiredWords = A(RevealVerbsEuropean) },
    ];


    [GeneratedRegex(@"\b(?:ignore|disregard|forget|override|bypass|skip|drop|abandon|let\s+go\s+of|set\s+aside)\s+(?:all\s+|any\s+|every\s+|each\s+|of\s+)?(?:the\s+|your\s+|my\s+|these\s+|those\s+|its\s+)?(?:previous|prior|above|earlier|preceding|former|original|initial|old|existing|system|developer|default|programmed|current|safety)?\s*(?:instructions?|prompts?|rules|guidelines|directives|commands|programming|restrictions|constraints|guardrails|policies|filters|context|training)\b", Options)]
    private static partial Regex IgnorePreviousInstructions();

    [GeneratedRegex(@"\b(?:ignore|disregard|forget)\s+(?:about\s+)?(?:everything|all|anything)\s+(?:(?:you|that|which)\s+(?:\w+\s+){0,2})?(?:from|before|above|previously|prior|earlier|you\s+(?:know|were\s+told|learned|have\s+been\s+told))", Options)]
    private static partial Regex ForgetEverything();

    [GeneratedRegex(@"\b(?:new|updated|real|actual|revised)\s+(?:system\s+)?(?:instructions?|rules|directives|task)\s*(?::|are\b|is\b|follow)", Options)]
    private static partial Regex NewInstructions();

    [GeneratedRegex(@"\b(?:you\s+are\s+(?:now|no\s+longer)\b|you(?:'re|\s+are)\s+(?:going|about)\s+to\s+(?:act|pretend|be|play|simulate|roleplay|become|imitate)\b|(?:simulate|emulate|impersonate)\s+(?:an?\s+)?(?:\w+\s+){0,3}(?:ai|chatbot|model|bot|persona|mode)\b|new\s+persona\b|(?:act|acting|behave|respond|answer|reply)\s+as\s+(?:if\s+you\s+(?:are|were)\s+)?an?\s+(?:\w+\s+){0,3}(?:ai|assistant|chatbot|model|bot|persona)\b)", Options)]
    private static partial Regex YouAreNow();

    [GeneratedRegex(@"\b(?:from\s+now\s+on|pretend\s+(?:to\s+be|you\s+are|that\s+you)|(?:stay|remain)\s+in\s+character|(?:enter|switch\s+to|enable|activate)\s+(?:\w+\s+){0,2}mode)\b", Options)]
    private static partial Regex FromNowOn();

    [GeneratedRegex(@"\b(?:(?:developer|dev|god|jailbreak|jailbroken|unrestricted|unfiltered|dan|evil|chaos|opposite)\s+mode|do\s+anything\s+now)\b", Options)]
    private static partial Regex UnrestrictedMode();

    [GeneratedRegex(@"\b(?:your\s+(?:new\s+)?name\s+(?:is\s+now|will\s+be|is\s+no\s+longer)|you\s+(?:will\s+)?(?:now\s+)?go\s+by\s+the\s+name|(?:rules|policies|guidelines|restrictions)\s+(?:don'?t|do\s+not|no\s+longer)\s+apply|mode\s*[:=]?\s*(?:enabled|activated|on)|(?:enable|activate|enter)\s+(?:\w+[\s/-]+){0,4}mode)\b", Options)]
    private static partial Regex RenamedOrRulesLifted();

    [GeneratedRegex(@"\bjailbr(?:oken|eak(?:ed|ing)?)\b", Options)]
    private static partial Regex Jailbreak();

    private static Regex RolePlay() => Linear(@"\b(?:i\s+want\s+you\s+to\s+(?:act|be|play|pretend|respond|answer|become|simulate|imagine)|act\s+like\s+(?:an?\s+|you)|you\s+(?:will|shall|must|are\s+to)\s+(?:now\s+)?(?:act|play|be|respond|answer|pretend|simulate|roleplay|become)\b|respond\s+(?:only\s+)?as\b|(?:in|break|breaking|out\s+of)\s+character\b|role-?play\b|personify|persona\b|play\s+the\s+(?:role|part)\s+of|transform\s+into|(?:now\s+you|you\s+now)\s+(?:act|are|will|go|play|become|respond)\b|(?:two|three|multiple)\s+(?:different\s+)?(?:entities|personas|personalities|characters|ais)\b)");

    // The one role-play shape that needs a look-ahead, which the linear engine lacks: "you are Name," / "you are Name, a ...".
    [GeneratedRegex(@"\byou\s+are\s+(?-i:[A-Z][A-Za-z0-9]+)\b(?=[,.]|\s+(?:an?|the|who|which)\b)", Options)]
    private static partial Regex RolePlayNamed();

    private static Regex WithoutRestrictions() => Linear(@"\b(?:without|no|free\s+(?:of|from)|not\s+bound\s+by|(?:don'?t|doesn'?t|do\s+not|does\s+not|never|won'?t|will\s+not|cannot|can'?t)\s+(?:have\s+to\s+|need\s+to\s+)?(?:follow|abide\s+by|adhere\s+to|obey|care\s+about|comply\s+with|have|apply|respect))\s+(?:any\s+|the\s+|all\s+|its\s+|their\s+)?(?:\w+\s+){0,2}(?:restrictions|limitations|limits|filters|filtering|censorship|guidelines|rules|policies|policy|morals|morality|ethics|ethical\s+(?:guidelines|constraints)|boundaries|safeguards|warnings?)\b");

    [GeneratedRegex(@"\b(?:(?:never|not|don'?t|do\s+not|won'?t|will\s+not|cannot|can'?t)\s+(?:ever\s+)?(?:refuse|decline|deny)|(?:amoral|unethical|uncensored|unfiltered|unrestricted)\s+(?:ai|chatbot|assistant|model|bot|character|response|answers?|content)|content\s+polic(?:y|ies))\b", Options)]
    private static partial Regex NeverRefuse();

    [GeneratedRegex(@"\b(?:no\s+matter\s+(?:what|how)|regardless\s+of|even\s+if)\s+(?:\w+\s+){0,4}(?:illegal|unethical|immoral|harmful|dangerous|offensive|inappropriate|rules|consequences|policies|guidelines|morals)\b", Options)]
    private static partial Regex NoMatterWhat();

    [GeneratedRegex(@"\b(?:(?:reveal|show|print|repeat|output|display|tell\s+me|give\s+me|leak|disclose|share|write\s+out|what\s+(?:is|are|was|were))\s+(?:me\s+)?(?:your|the)\s+(?:\w+\s+){0,2}(?:system\s+prompt|initial\s+(?:prompt|instructions)|hidden\s+(?:prompt|instructions)|original\s+(?:prompt|instructions)|(?:developer|system)\s+(?:message|instructions))|(?:repeat|print|output)\s+(?:everything|all(?:\s+the\s+text)?)\s+(?:above|before|prior))\b", Options)]
    private static partial Regex RevealSystemPrompt();

    [GeneratedRegex(@"<\|(?:im_start|im_end|system|user|assistant|endoftext|eot_id|start_header_id)\|>|\[/?INST\]|<</?SYS>>|</?(?:system|assistant|tool_call|function_call|tool)>|(?m:^\s*#{2,}\s*(?:system|instruction|assistant)s?\b)", Options)]
    private static partial Regex ChatTemplateMarkup();

    // Read directly by ConversationTurns.Occur (the signal's WholeText); the pattern is its definition.
    private static Regex ConversationTurnsPattern() => Linear(@"(?m:^[ \t]*(?:human|user|assistant|system|ai|chatgpt)[ \t]*:)|\[(?:system|admin|developer|user\s+left|debug)[^\]\n]{0,60}\]|\bsystem\s+(?:instruction|message|prompt|override|note)s?\s*[:\]]");

    // Read directly by DualResponses.Occur (the signal's WholeText); the pattern is its definition.
    private static Regex TwoResponsesPattern() => Linear(@"\b(?:two|both|separate)\s+(?:different\s+|distinct\s+)?(?:responses|answers|paragraphs)\b.{0,80}\b(?:one|first)\b|\[(?:🔒|🔓)?\s*(?:classic|jailbreak|normal|developer\s+mode)\s*(?:output)?\]");
    [GeneratedRegex(@"\b(?:in|to|into|within|throughout|at\s+the\s+(?:end|beginning|start)\s+of|before|after)\s+(?:each\s+of\s+|every\s+|all\s+)?(?:your|the)\s+(?:final\s+|next\s+)?(?:response|responses|answer|answers|reply|replies|output)\b", Options)]
    private static partial Regex InYourResponse();

    [GeneratedRegex(@"\b(?:incorporate|integrate|append|insert|embed|meld|merge|utilize|enlist|ensure|execute)\b[^.\n]{0,60}\b(?:following|subsequent|below|this)\s+(?:code|snippet|script|command|block|excerpt|section)", Options)]
    private static partial Regex IncludeFollowingCode();

    [GeneratedRegex(@"\b(?:chat\s?-?gpt|openai|gpt-?[345]|bard|claude|llama|(?:large\s+)?language\s+model|ai\s+(?:model|assistant|language\s+model))\b", Options)]
    private static partial Regex ModelNames();

    private static Regex AlwaysNever() => Linear(@"\b(?:always|never|must\s+not|must\s+never|will\s+never|will\s+always|do\s+not\s+ever)\s+(?:\w+\s+){0,2}(?:respond|reply|answer|say|mention|refuse|break|include|start|begin|remind|apologi[sz]e|warn|censor|filter|question|disclose|reveal)\b");

    [GeneratedRegex(@"\b(?:hypothetical|fictional|fictitious|imaginary|alternate|alternative|parallel|simulated)\s+(?:\w+\s+)?(?:world|scenario|reality|universe|setting|story|ai|chatbot)\b", Options)]
    private static partial Regex Hypothetical();

    [GeneratedRegex(@"\b(?:(?:begin|start|prefix|end|precede)\s+(?:each\s+and\s+every|each|every|all|your|any)\s+(?:of\s+your\s+)?(?:\w+\s+)?(?:response|responses|output|outputs|answer|answers|reply|replies|message|messages)|(?:respond|reply|answer)\s+(?:to\s+)?(?:every|each|all|any)\s+(?:\w+\s+)?(?:prompt|question|message|request)s?)\b", Options)]
    private static partial Regex StartEveryResponse();

    [GeneratedRegex(@"\[(?:insert|your|enter|put|write|prompt|input|question|request)[^\]\n]{0,40}\]|\{(?:prompt|input|question|request)\}|<(?:insert|your|enter)\s[^>\n]{0,40}>", Options)]
    private static partial Regex PromptPlaceholder();

    [GeneratedRegex(@"\b(?:illegal|unethical|immoral|harmful|explicit|nsfw|offensive|malicious|dangerous|inappropriate)\b[^.]{0,120}\b(?:illegal|unethical|immoral|harmful|explicit|nsfw|offensive|malicious|dangerous|inappropriate)\b", Options)]
    private static partial Regex HarmfulWords();

    // ignore/oublie (FR), ignoriere/vergiss/missachte (DE), ignora/olvida (ES), ignore/esqueca/desconsidere (PT), ignora/dimentica (IT), negeer/vergeet (NL)
    // + optional "all" + optional article/possessive + optional qualifier + instructions/rules + optional qualifier after the noun.
    private static Regex IgnorePreviousInstructionsEuropean() => Linear(@"\b(?:ignor\w*|oubli\w*|vergiss\w*|vergessen|olvid\w*|esquec\w*|dimentic\w*|negeer\w*|vergeet|desconsider\w*|descart\w*|missacht\w*|uberschreib\w*|trascur\w*|(?:ne\s+)?(?:tiens|tenez|tenir)\s+pas\s+compte\s+(?:de|des)|haz\s+caso\s+omiso\s+(?:de|a)|non\s+tenere\s+conto\s+(?:de|di)\w*)\s+(?:(?:toutes?|tous|alle[ns]?|todas?|todos|tutte|tutti|elke|al)\s+)?(?:(?:les|tes|vos|mes|ces|la|le|l'|die|deine|ihre|meine|der|den|las|tus|sus|mis|esas|estas|as|os|suas|tuas|minhas|essas|le|gli|tue|sue|mie|queste|de|je|uw|mijn|deze|die)\s*)?(?:(?:vorherigen|vorigen|bisherigen|obigen|vorangegangenen|fruheren|alten|ursprunglichen|vorigen|precedentes?|anterieures?|ci-dessus|anciennes?|initiales?|anteriores|previas|previos|antiguas|originales|precedenti|anteriori|originali|vorige|eerdere|voorgaande|bovenstaande|oude|oorspronkelijke)\s+)?(?:instructions?|consignes|directives|regles|ordres|anweisungen|instruktionen|regeln|vorgaben|befehle|richtlinien|anordnungen|instrucciones|reglas|directrices|ordenes|indicaciones|instrucoes|regras|diretrizes|ordens|istruzioni|regole|direttive|indicazioni|ordini|instructies|regels|opdrachten|richtlijnen|aanwijzingen|prompt)\b(?:\s+(?:precedentes?|anterieures?|ci-dessus|anteriores|previas|precedenti|anteriori|obigen|von\s+oben))?");

    [GeneratedRegex(@"\b(?:oublie[zr]?\s+tout|vergiss\s+alles|vergessen\s+sie\s+alles|olvida(?:te)?\s+(?:de\s+)?todo|esquec[ae]\s+tudo|dimentica\s+tutto|vergeet\s+alles)\b", Options)]
    private static partial Regex ForgetEverythingEuropean();

    [GeneratedRegex(@"\b(?:nouvelles?\s+(?:instructions|consignes|regles)|neue[n]?\s+(?:anweisungen|instruktionen|regeln)|nuevas\s+(?:instrucciones|reglas)|nov[ao]s\s+(?:instrucoes|regras)|nuove\s+(?:istruzioni|regole)|nieuwe\s+(?:instructies|regels|opdrachten))\s*(?::|sont\b|sind\b|son\b|sao\b|sono\b|zijn\b)", Options)]
    private static partial Regex NewInstructionsEuropean();

    [GeneratedRegex(@"\b(?:(?:tu\s+es|vous\s+etes)\s+(?:maintenant|desormais)|(?:a\s+partir\s+de\s+maintenant|desormais|dorenavant)\s*,?\s+(?:tu|vous)\s+(?:es|etes|seras|serez|agis|agirez|reponds|repondrez)|du\s+bist\s+(?:jetzt|ab\s+sofort|nun)|(?:ab\s+jetzt|ab\s+sofort|von\s+nun\s+an)\s+(?:bist|antwortest|spielst|handelst)\s+du|(?:ahora|a\s+partir\s+de\s+ahora)\s*,?\s+(?:eres|seras|actuaras|responderas)|(?:agora|a\s+partir\s+de\s+agora)\s*,?\s+(?:voce|tu)\s+(?:e|es|sera|vai)|(?:voce|tu)\s+(?:agora\s+)?(?:e|es)\s+agora|(?:ora|adesso|d'ora\s+in\s+poi)\s*,?\s+(?:sei|sarai|agirai|risponderai)|(?:vanaf\s+nu|je\s+bent\s+nu|u\s+bent\s+nu)\b)", Options)]
    private static partial Regex YouAreNowEuropean();

    private static Regex RevealSystemPromptEuropean() => Linear(@"\b(?:revele|montre|affiche|donne|repete|zeige?|gib|verrate|wiederhole|revela|muestra|dime|repite|mostre|mostra|rivela|ripeti|dimmi|toon|geef|herhaal|onthul)\w*\s+(?:\w+\s+){0,3}(?:prompt\s+(?:systeme|system|del\s+sistema|do\s+sistema|di\s+sistema)|system\s?-?prompt|systeemprompt|(?:instructions|anweisungen|instrucciones|instrucoes|istruzioni|instructies)\s+(?:initiales|cachees|systeme|originales|geheimen|iniciales|ocultas|iniciais|ocultas|iniziali|nascoste|originele|verborgen))");

    /// <summary>
    /// The linear-time engine (<see cref="RegexOptions.NonBacktracking"/>) for the patterns it runs faster: long
    /// alternations of words under <see cref="RegexOptions.IgnoreCase"/>, which the backtracking engine tries at
    /// nearly every word of a window (about 2-10x faster there). Whether a pattern matches is the same in both
    /// engines. Source generation does not apply to this engine: each is built once, when the signals are first
    /// used (about 20-50 ms each), so only the patterns with a large gain use it.
    /// </summary>
    private static Regex Linear(string pattern) => new(pattern, Options | RegexOptions.NonBacktracking);

    /// <summary>The anchors of every signal in <see cref="All"/>, signal <c>i</c> being group <c>i</c>.</summary>
    internal static readonly AnchorAutomaton AllAnchors = BuildAnchors();

    [ThreadStatic]
    private static AnchorAutomaton.Hits? t_hits;

    /// <summary>
    /// Which signals' phrasing occurs in <paramref name="text"/>: bit <c>i</c> for <c>All[i]</c>. The text is read once
    /// for all the anchors; each signal's pattern is then tried once per run of overlapping windows around its anchors
    /// (the union of the windows), instead of once per anchor, which reads common words' neighbourhoods only once;
    /// patterns anchored to line starts keep one window per anchor (<see cref="Signal.PerAnchor"/>), and a signal read
    /// directly (<see cref="Signal.WholeText"/>) reads the whole text once, at its first anchor.
    /// On the dev corpora this fires exactly the signals that each signal's own search (<see cref="Signal.Occurs"/>) fires.
    /// </summary>
    internal static ulong Match(ReadOnlySpan<char> text)
    {
        AnchorAutomaton.Hits hits = t_hits ??= new AnchorAutomaton.Hits(256);
        t_hits = null;
        try
        {
            hits.Clear();
            AllAnchors.Scan(text, hits);
            Signal[] all = All;
            ulong fired = 0, open = 0, tried = 0, everything = all.Length == 64 ? ulong.MaxValue : (1UL << all.Length) - 1;
            Span<int> from = stackalloc int[64];
            Span<int> to = stackalloc int[64];
            for (int h = 0; h < hits.Count && fired != everything; h++)
            {
                int at = hits.Start(h);
                ulong pending = hits.Groups(h) & ~(fired | tried);
                while (pending != 0)
                {
                    int s = System.Numerics.BitOperations.TrailingZeroCount(pending);
                    pending &= pending - 1;
                    Signal signal = all[s];
                    ulong bit = 1UL << s;
                    if (signal.WholeText is not null)
                    {
                        // Read once over the whole text, at its first anchor.
                        fired |= signal.MayMatch(text) ? bit : 0;
                        tried |= bit;
                        continue;
                    }

                    int start = Math.Max(0, at - signal.Before);
                    int end = Math.Min(text.Length, at + signal.After);
                    if (signal.PerAnchor)
                    {
                        if (signal.MayMatch(text[start..end]))
                        {
                            fired |= bit;
                        }

                        continue;
                    }

                    if ((open & bit) != 0)
                    {
                        if (start <= to[s] && end >= from[s])
                        {
                            // Overlaps the signal's open window: widen it, the pattern runs once over the union.
                            from[s] = Math.Min(from[s], start);
                            to[s] = Math.Max(to[s], end);
                            continue;
                        }

                        if (signal.MayMatch(text[from[s]..to[s]]))
                        {
                            fired |= bit;
                            open &= ~bit;
                            continue;
                        }
                    }

                    from[s] = start;
                    to[s] = end;
                    open |= bit;
                }
            }

            open &= ~fired;
            while (open != 0)
            {
                int s = System.Numerics.BitOperations.TrailingZeroCount(open);
                open &= open - 1;
                if (all[s].MayMatch(text[from[s]..to[s]]))
                {
                    fired |= 1UL << s;
                }
            }

            return fired;
        }
        finally
        {
            if (hits.Capacity <= 16 * 1024)
            {
                t_hits = hits;
            }
        }
    }

    private static AnchorAutomaton BuildAnchors()
    {
        var groups = new string[All.Length][];
        for (int i = 0; i < All.Length; i++)
        {
            groups[i] = All[i].Anchors.Literals;
        }

        return new AnchorAutomaton(groups);
    }

    private static Anchors A(params string[] literals) => new(ignoreCase: true, literals);

    /// <summary>Whether a phrasing occurs in <paramref name="text"/>.</summary>
    internal delegate bool TextTest(ReadOnlySpan<char> text);

    /// <summary>One phrasing signal.</summary>
    /// <param name="Name">The signal's name, reported in verdicts.</param>
    /// <param name="UserPromptWeight">Its weight in user prompts.</param>
    /// <param name="IndirectWeight">Its weight in tool output and retrieved documents.</param>
    /// <param name="Pattern">The phrasing.</param>
    /// <param name="Alternative">More of the phrasing, kept apart when it needs the backtracking engine; <see langword="null"/> when none.</param>
    /// <param name="Anchors">Literals every match contains.</param>
    /// <param name="Before">How far before an anchor a match may start.</param>
    /// <param name="After">How far after an anchor a match may end.</param>
    internal sealed record Signal(string Name, double UserPromptWeight, double IndirectWeight, Regex Pattern, Regex? Alternative, Anchors Anchors, int Before, int After)
    {
        public Signal(string name, double userPromptWeight, double indirectWeight, Regex pattern, Anchors anchors, int before, int after)
            : this(name, userPromptWeight, indirectWeight, pattern, null, anchors, before, after)
        {
        }

        /// <summary>Whether the phrasing occurs in <paramref name="text"/>: the pattern is tried only in windows around anchors (each signal's own search; <see cref="Match"/> does all at once).</summary>
        public bool Occurs(string text)
        {
            ReadOnlySpan<char> span = text;
            if (WholeText is not null)
            {
                return Anchors.IndexIn(span, 0) >= 0 && MayMatch(span);
            }

            int from = 0;
            while (true)
            {
                int hit = Anchors.IndexIn(span, from);
                if (hit < 0)
                {
                    return false;
                }

                if (MatchesAround(span, hit))
                {
                    return true;
                }

                from = hit + 1;
            }
        }

        /// <summary>
        /// Gets a value indicating whether the pattern is tried in each anchor's own window rather than once over
        /// overlapping windows: for patterns that anchor to a line start, which a window's start also is.
        /// </summary>
        public bool PerAnchor { get; init; }

        /// <summary>
        /// Gets the direct reading of <see cref="Pattern"/> over a whole text, or <see langword="null"/> when the pattern runs in
        /// windows around anchors: it finds what the pattern finds in the whole text, once the text holds an anchor.
        /// </summary>
        public TextTest? WholeText { get; init; }

        /// <summary>Gets characters at least one of which every match contains, or <see langword="null"/> when none is known.</summary>
        public SearchValues<char>? Required { get; init; }

        /// <summary>
        /// Gets words at least one of which every match contains besides its anchor (a second word the pattern needs),
        /// or <see langword="null"/> when none is known: a window without any is skipped before the pattern runs.
        /// </summary>
        public Anchors? RequiredWords { get; init; }

        /// <summary>Whether the phrasing occurs in <paramref name="window"/>; a window that lacks every <see cref="Required"/> character or every <see cref="RequiredWords"/> word is skipped.</summary>
        public bool MayMatch(ReadOnlySpan<char> window)
        {
            if ((Required is not null && !window.ContainsAny(Required)) || (RequiredWords is not null && RequiredWords.IndexIn(window, 0) < 0))
            {
                return false;
            }

            if (WholeText is not null)
            {
                return WholeText(window);
            }

            return Pattern.IsMatch(window) || (Alternative is not null && Alternative.IsMatch(window));
        }

        /// <summary>Whether the phrasing occurs in the window around an anchor found at <paramref name="hit"/>.</summary>
        public bool MatchesAround(ReadOnlySpan<char> text, int hit)
        {
            int start = Math.Max(0, hit - Before);
            int end = Math.Min(text.Length, hit + After);
            ReadOnlySpan<char> window = text[start..end];
            return Pattern.IsMatch(window) || (Alternative is not null && Alternative.IsMatch(window));
        }
    }
}
