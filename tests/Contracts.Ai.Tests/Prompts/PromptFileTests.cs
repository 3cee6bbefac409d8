using System.Text.Json;

namespace Contracts.Ai.Tests.Prompts;

public class PromptFileTests
{
    private const string Full = """
        ---
        id: support.reply
        name: Support reply
        description: Answers a customer's support question.
        version: 1.1.0
        authors: [Ada Lovelace, Grace Hopper]
        tags: { domain: support, purpose: reply }
        owner: team-support
        risk: medium
        inputs:
          customer: { type: string, max_length: 80 }
          question:
            type: string
            max_length: 2000
            description: The customer's question.
          order_id: { type: string, required: false, pattern: "^[0-9]{4,10}$" }
        output_schema:
          type: object
          properties:
            reply: { type: string, minLength: 1 }
            category: { enum: [billing, shipping, other] }
          required: [reply, category]
          additionalProperties: false
        allowed_tools: [lookup_order, refund_status]
        on_failure: { policy: reask, max_reasks: 3 }
        budget: { max_input_tokens: 6000, max_output_tokens: 500 }
        deprecation: { deprecated_after: 2027-06-30, replaced_by: 2.0.0 }
        labels: [canary]
        rollout:
          label: production
          weights: { 1.0.0: 90, 1.1.0: 10 }
        model: { id: gpt-4o-mini, context_window: 128000, parameters: { temperature: 0.2 } }
        sample: { customer: Ada, question: Where is my parcel?, order_id: "1042" }
        ---
        You are the support assistant of Acme.
        Customer: {{customer}}. Order: {{ order_id }}.
        Question: {{question}}
        """;

    [Fact]
    public void Parses_every_contract_field()
    {
        PromptFile file = PromptFile.Parse(Full, "prompts/support.reply/1.1.0.prompty");
        PromptContract contract = file.Contract;

        Assert.Equal("support.reply", contract.Id);
        Assert.Equal("1.1.0", contract.Version);
        Assert.Equal("You are the support assistant of Acme.\nCustomer: {{customer}}. Order: {{ order_id }}.\nQuestion: {{question}}", contract.Template);
        Assert.Equal(35, file.TemplateLine);
        Assert.Equal("Answers a customer's support question.", contract.Description);
        Assert.Equal(["customer", "question", "order_id"], contract.Inputs.Select(i => i.Name));
        Assert.Equal(80, contract.Inputs[0].MaxLength);
        Assert.True(contract.Inputs[1].Required);
        Assert.Equal("The customer's question.", contract.Inputs[1].Description);
        Assert.False(contract.Inputs[2].Required);
        Assert.Equal("^[0-9]{4,10}$", contract.Inputs[2].Pattern);
        JsonElement schema = Assert.IsType<JsonElement>(contract.OutputSchema);
        Assert.Equal("object", schema.GetProperty("type").GetString());
        Assert.Equal(1, schema.GetProperty("properties").GetProperty("reply").GetProperty("minLength").GetInt32());
        Assert.False(schema.GetProperty("additionalProperties").GetBoolean());
        Assert.Equal(["lookup_order", "refund_status"], contract.AllowedTools!);
        Assert.Equal(ContractFailurePolicy.Reask, contract.OnFailure);
        Assert.Equal(3, contract.MaxReasks);
        Assert.Equal(6000, contract.MaxInputTokens);
        Assert.Equal(500, contract.MaxOutputTokens);
        Assert.Equal(new DateTimeOffset(2027, 6, 30, 0, 0, 0, TimeSpan.Zero), contract.DeprecatedAfter);
        Assert.Equal("2.0.0", contract.ReplacedBy);
        Assert.Equal("team-support", contract.Owner);
        Assert.Equal("support", contract.Tags["domain"]);
        Assert.Equal("medium", contract.Tags["risk"]);

        Assert.Equal("Support reply", file.Name);
        Assert.Equal(["Ada Lovelace", "Grace Hopper"], file.Authors);
        Assert.Equal("medium", file.Risk);
        Assert.Equal(["canary"], file.Labels);
        Assert.Equal("production", file.Rollout!.Label);
        Assert.Equal([new KeyValuePair<string, double>("1.0.0", 90), new KeyValuePair<string, double>("1.1.0", 10)], file.Rollout.Weights);
        Assert.Equal("gpt-4o-mini", file.ModelId);
        Assert.Equal(128000, file.ContextWindowTokens);
        Assert.Equal("1042", file.Sample["order_id"].GetString());
    }

    [Fact]
    public void Reads_a_Prompty_file()
    {
        const string prompty = """
            ---
            name: order.status
            description: Tells a customer where an order is.
            version: 1.0.0
            authors:
              - Ada
            model:
              api: chat
              configuration:
                type: azure_openai
                azure_deployment: gpt-4o
              parameters:
                max_tokens: 300
            inputs:
              order_id:
                type: string
            outputs:
              status: { type: string, enum: [pending, shipped, delivered] }
              eta: string
            sample:
              order_id: "1042"
            ---
            system:
            Say where order {{order_id}} is.
            """;

        PromptFile file = PromptFile.Parse(prompty, "order.status.prompty");

        Assert.Equal("order.status", file.Contract.Id);
        Assert.Equal("Say where order {{order_id}} is.", file.Contract.Template);
        Assert.Equal(24, file.TemplateLine);
        Assert.Equal("gpt-4o", file.ModelId);
        JsonElement schema = file.Contract.OutputSchema!.Value;
        Assert.Equal(["status", "eta"], schema.GetProperty("required").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("string", schema.GetProperty("properties").GetProperty("eta").GetProperty("type").GetString());
        Assert.False(schema.GetProperty("additionalProperties").GetBoolean());
    }

    [Fact]
    public void Shorthand_on_failure_and_input_types()
    {
        PromptFile file = PromptFile.Parse("""
            ---
            id: t
            version: 0.1.0-beta.1
            inputs: { count: integer, flag: boolean }
            on_failure: { policy: fallback, fallback: "Sorry, try again later." }
            ---
            {{count}} {{flag}}
            """, "t.prompty");

        Assert.Equal("integer", file.Contract.Inputs[0].Type);
        Assert.Equal(ContractFailurePolicy.Fallback, file.Contract.OnFailure);
        Assert.Equal("Sorry, try again later.", file.Contract.FallbackResponse);
        Assert.Null(file.Contract.AllowedTools);
        Assert.Null(file.Contract.OutputSchema);
    }

    [Fact]
    public void Every_error_names_file_line_and_field()
    {
        const string broken = """
            ---
            id: support.reply
            version: 1.0
            owner: [a, b]
            risk: extreme
            colour: blue
            inputs:
              question: { type: text, max_length: -4 }
            on_failure: maybe
            budget: { max_input_tokens: lots }
            ---
            Answer {{question}} for {{customer}}.
            """;

        PromptFileException ex = Assert.Throws<PromptFileException>(() => PromptFile.Parse(broken, "prompts/broken.prompty"));

        Assert.Contains(ex.Errors, e => e is { Line: 3, Field: "version" } && e.Message.Contains("'1.0' is not a semantic version"));
        Assert.Contains(ex.Errors, e => e is { Line: 4, Field: "owner" });
        Assert.Contains(ex.Errors, e => e is { Line: 5, Field: "risk" } && e.Message.Contains("extreme"));
        Assert.Contains(ex.Errors, e => e is { Line: 6, Field: "colour" } && e.Message.Contains("unknown field"));
        Assert.Contains(ex.Errors, e => e is { Line: 8, Field: "inputs.question.type" } && e.Message.Contains("'text' is not an input type"));
        Assert.Contains(ex.Errors, e => e is { Line: 8, Field: "inputs.question.max_length" } && e.Message.Contains("at least 1"));
        Assert.Contains(ex.Errors, e => e is { Line: 9, Field: "on_failure" });
        Assert.Contains(ex.Errors, e => e is { Line: 10, Field: "budget.max_input_tokens" });
        Assert.Contains(ex.Errors, e => e is { Line: 12, Column: 25, Field: "template" } && e.Message.Contains("{{customer}} is not declared"));
        Assert.All(ex.Errors, e => Assert.Equal("prompts/broken.prompty", e.File));
        Assert.Equal(ex.Errors.OrderBy(e => e.Line).Select(e => e.Line), ex.Errors.Select(e => e.Line));
        Assert.Contains("prompts/broken.prompty:3:10: version:", ex.Message);
        Assert.Contains($"({ex.Errors.Count} errors)", ex.Message);
    }

    [Fact]
    public void Unused_inputs_and_undeclared_placeholders_are_both_reported()
    {
        PromptFileException ex = Assert.Throws<PromptFileException>(() => PromptFile.Parse("""
            ---
            id: t
            version: 1.0.0
            inputs:
              used: string
              unused: string
            ---
            Hello {{used}}.
            And {{missing}} and {{not a name}}.
            """, "t.prompty"));

        Assert.Equal(2, ex.Errors.Count);
        Assert.Contains(ex.Errors, e => e is { Line: 6, Field: "inputs.unused" } && e.Message.Contains("never uses {{unused}}"));
        Assert.Contains(ex.Errors, e => e is { Line: 9, Column: 5, Field: "template" } && e.Message.Contains("{{missing}}"));
    }

    [Fact]
    public void An_invalid_output_schema_points_at_the_bad_keyword()
    {
        PromptFileException ex = Assert.Throws<PromptFileException>(() => PromptFile.Parse("""
            ---
            id: t
            version: 1.0.0
            output_schema:
              type: object
              properties:
                reply:
                  type: strnig
              required: reply
            ---
            Reply.
            """, "t.prompty"));

        Assert.All(ex.Errors, e => Assert.Equal("output_schema", e.Field));
        Assert.Contains(ex.Errors, e => e.Line == 8 && e.Message.Contains("/properties/reply/type"));
        Assert.Contains(ex.Errors, e => e.Line == 9 && e.Message.Contains("/required"));
    }

    [Theory]
    [InlineData("no front matter at all", 1, "front matter", "starts with a '---' line")]
    [InlineData("---\nid: t\nversion: 1.0.0\nSay hi.", 1, "front matter", "not closed")]
    [InlineData("---\nid: t\nversion: 1.0.0\n---\n\n  \n", 5, "template", "the template is empty")]
    [InlineData("---\nid: t\n  version: 1.0.0\n---\nHi", 3, "front matter", "invalid YAML")]
    [InlineData("---\nid: t\nid: u\nversion: 1.0.0\n---\nHi", 3, "front matter", "invalid YAML")]
    [InlineData("---\n---\nHi", 2, "front matter", "empty")]
    [InlineData("---\n- a\n---\nHi", 2, "front matter", "mapping")]
    [InlineData("---\nversion: 1.0.0\n---\nHi", 2, "id", "missing")]
    [InlineData("---\nname: Support Reply\nversion: 1.0.0\n---\nHi", 2, "name", "cannot serve as the contract id")]
    [InlineData("---\nid: t\n---\nHi", 2, "version", "missing")]
    [InlineData("---\nid: t\nversion:\n---\nHi", 3, "version", "missing")]
    [InlineData("---\nid: t\nversion: 1.0.0\n---\nsystem:\nHi\nuser:\n{{q}}", 7, "template", "role section 'user:'")]
    [InlineData("---\nid: t\nversion: 1.0.0\non_failure: fallback\n---\nHi", 4, "on_failure.fallback", "needs a fallback answer")]
    [InlineData("---\nid: t\nversion: 1.0.0\non_failure: { policy: throw, max_reasks: 2 }\n---\nHi", 4, "on_failure.max_reasks", "only to the reask policy")]
    [InlineData("---\nid: t\nversion: 1.0.0\noutputs: { a: string }\noutput_type: App.Reply\n---\nHi", 5, "output_type", "declare the answer's shape once")]
    [InlineData("---\nid: t\nversion: 1.0.0\nlabels: [latest]\n---\nHi", 4, "labels", "maintained automatically")]
    [InlineData("---\nid: t\nversion: 1.0.0\nrollout: { weights: { 1.0.0: 0 } }\n---\nHi", 4, "rollout.weights", "add up to more than 0")]
    [InlineData("---\nid: t\nversion: 1.0.0\nrollout: { label: production }\n---\nHi", 4, "rollout.weights", "missing")]
    [InlineData("---\nid: t\nversion: 1.0.0\ndeprecation: { deprecated_after: soon }\n---\nHi", 4, "deprecation.deprecated_after", "expected a date")]
    [InlineData("---\nid: t\nversion: 1.0.0\ninputs: { q: { type: string, pattern: \"[a-\" } }\n---\n{{q}}", 4, "inputs.q.pattern", "regular expression")]
    [InlineData("---\nid: t\nversion: 1.0.0\ninputs: { q: { type: string, default: x } }\n---\n{{q}}", 4, "inputs.q.default", "unknown field")]
    [InlineData("---\nid: t\nversion: 1.0.0\nsample: { nope: 1 }\n---\nHi", 4, "sample.nope", "not a declared input")]
    [InlineData("---\nid: t\nversion: 1.0.0\nallowed_tools: [a, a]\n---\nHi", 4, "allowed_tools", "listed twice")]
    [InlineData("---\nid: t\nversion: 1.0.0\ntemplate: handlebars\n---\nHi", 4, "template.format", "not supported")]
    [InlineData("---\nid: t\nversion: 1.0.0\nmodel: { api: completion }\n---\nHi", 4, "model.api", "not supported")]
    public void Reports_bad_files_with_line_and_field(string text, int line, string field, string message)
    {
        PromptFileException ex = Assert.Throws<PromptFileException>(() => PromptFile.Parse(text, "x.prompty"));

        Assert.Contains(ex.Errors, e => e.Line == line && e.Field == field && e.Message.Contains(message, StringComparison.Ordinal));
    }

    [Fact]
    public void Windows_line_endings_and_a_byte_order_mark_are_accepted()
    {
        PromptFile file = PromptFile.Parse("\uFEFF---\r\nid: t\r\nversion: 1.0.0\r\ninputs: { q: string }\r\n---\r\nAnswer {{q}}.\r\nThanks.\r\n", "t.prompty");

        Assert.Equal("Answer {{q}}.\nThanks.", file.Contract.Template);
    }

    [Fact]
    public void Quoted_yaml_values_stay_text_in_samples_and_schemas()
    {
        PromptFile file = PromptFile.Parse("""
            ---
            id: t
            version: 1.0.0
            inputs: { q: string }
            sample: { q: "true" }
            output_schema: { type: object, properties: { n: { type: integer, maximum: 10 } } }
            ---
            {{q}}
            """, "t.prompty");

        Assert.Equal(JsonValueKind.String, file.Sample["q"].ValueKind);
        Assert.Equal(10, file.Contract.OutputSchema!.Value.GetProperty("properties").GetProperty("n").GetProperty("maximum").GetInt32());
    }

    [Fact]
    public void Load_reads_the_file_and_names_it_in_errors()
    {
        string path = Path.Combine(Path.GetTempPath(), "contracts-ai-" + Guid.NewGuid().ToString("N") + ".prompty");
        File.WriteAllText(path, "---\nid: t\nversion: one\n---\nHi");
        try
        {
            PromptFileException ex = Assert.Throws<PromptFileException>(() => PromptFile.Load(path));
            Assert.Equal(path, Assert.Single(ex.Errors).File);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Arguments_are_checked()
    {
        Assert.Throws<ArgumentNullException>(() => PromptFile.Parse(null!, "x"));
        Assert.Throws<ArgumentNullException>(() => PromptFile.Parse("---", null!));
        Assert.Throws<ArgumentException>(() => PromptFile.Load(""));
    }
}
