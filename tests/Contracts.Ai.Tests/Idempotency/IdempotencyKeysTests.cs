using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Contracts.Ai.Tests.Idempotency;

public class IdempotencyKeysTests
{
    private static readonly GovernanceContext Scope = new() { TenantId = "tenant-a", ConversationId = "conv-1" };

    private static (string Key, string Fingerprint) Key(string json, IReadOnlyList<string>? keyArguments = null, GovernanceContext? scope = null, string tool = "refund_order") =>
        ToolIdempotencyKeys.ForTool(tool, Arguments(json), keyArguments, scope ?? Scope);

    private static Dictionary<string, object?> Arguments(string json) =>
        JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(json)!.ToDictionary(p => p.Key, p => (object?)p.Value);

    [Fact]
    public void Argument_order_member_order_and_number_spelling_do_not_change_the_key()
    {
        var reference = Key("""{"orderId": 42, "amount": 10.5, "meta": {"a": 1, "b": [1, 2]}}""");

        Assert.Equal(reference, Key("""{"meta": {"b": [1.0, 2e0], "a": 1.00}, "amount": 10.50, "orderId": 4.2e1}"""));
    }

    [Fact]
    public void Clr_values_and_their_json_give_the_same_key()
    {
        var fromJson = Key("""{"orderId": 42, "note": "x", "flags": [true, false], "none": null}""");
        var fromClr = ToolIdempotencyKeys.ForTool("refund_order", new Dictionary<string, object?>
        {
            ["orderId"] = 42L,
            ["note"] = "x",
            ["flags"] = new[] { true, false },
            ["none"] = null,
        }, null, Scope);

        Assert.Equal(fromJson, fromClr);
    }

    [Fact]
    public void Strings_in_composed_and_decomposed_unicode_give_the_same_key()
    {
        Assert.Equal(Key("{\"name\": \"Caf\u00e9\"}"), Key("{\"name\": \"Cafe\u0301\"}"));
    }

    [Fact]
    public void Different_argument_values_give_different_keys()
    {
        Assert.NotEqual(Key("""{"orderId": 42}""").Key, Key("""{"orderId": 43}""").Key);
        Assert.NotEqual(Key("""{"orderId": 42}""").Key, Key("""{"orderId": "42"}""").Key);
        Assert.NotEqual(Key("""{"orderId": 1}""").Key, Key("""{"orderId": 1.0000001}""").Key);
    }

    [Fact]
    public void With_key_arguments_a_reworded_free_text_argument_keeps_the_key_and_the_payload()
    {
        string[] keyArguments = ["orderId"];

        var first = Key("""{"orderId": 42, "reason": "Customer asked for a refund"}""", keyArguments);
        var reworded = Key("""{"orderId": 42, "reason": "The customer wants their money back"}""", keyArguments);
        var otherOrder = Key("""{"orderId": 43, "reason": "Customer asked for a refund"}""", keyArguments);

        Assert.Equal(first, reworded);
        Assert.NotEqual(first.Key, otherOrder.Key);
    }

    [Fact]
    public void Key_arguments_may_be_nested_paths()
    {
        string[] keyArguments = ["order.id"];

        var first = Key("""{"order": {"id": 7, "note": "a"}}""", keyArguments);

        Assert.Equal(first, Key("""{"order": {"note": "b", "id": 7}}""", keyArguments));
        Assert.NotEqual(first.Key, Key("""{"order": {"id": 8, "note": "a"}}""", keyArguments).Key);
    }

    [Theory]
    [InlineData("""{"reason": "x"}""", "orderId")]
    [InlineData("""{"order": {"note": "x"}}""", "order.id")]
    [InlineData("""{"order": 5}""", "order.id")]
    public void A_missing_key_argument_is_a_typed_error_naming_the_tool_and_path(string json, string path)
    {
        var error = Assert.Throws<ToolArgumentViolationException>(() => Key(json, [path]));

        Assert.Contains("refund_order", error.Message, StringComparison.Ordinal);
        Assert.Contains($"'{path}'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_key_is_scoped_by_tenant_and_by_conversation_or_request_key()
    {
        const string json = """{"orderId": 42}""";
        string key = Key(json).Key;

        Assert.NotEqual(key, Key(json, scope: new GovernanceContext { TenantId = "tenant-b", ConversationId = "conv-1" }).Key);
        Assert.NotEqual(key, Key(json, scope: new GovernanceContext { TenantId = "tenant-a", ConversationId = "conv-2" }).Key);
        Assert.NotEqual(key, Key(json, scope: new GovernanceContext { TenantId = "tenant-a", IdempotencyKey = "conv-1" }).Key);
        Assert.NotEqual(
            Key(json, scope: new GovernanceContext { TenantId = "tenant-a", IdempotencyKey = "req-1" }).Key,
            Key(json, scope: new GovernanceContext { TenantId = "tenant-a", IdempotencyKey = "req-2" }).Key);
        Assert.Equal(key, Key(json, scope: new GovernanceContext { TenantId = "tenant-a", ConversationId = "conv-1", UserId = "someone" }).Key);
    }

    [Fact]
    public void Parts_cannot_be_shifted_between_scope_fields_to_forge_a_key()
    {
        const string json = """{"orderId": 42}""";

        Assert.NotEqual(
            Key(json, scope: new GovernanceContext { TenantId = "ab", ConversationId = "c" }).Key,
            Key(json, scope: new GovernanceContext { TenantId = "a", ConversationId = "bc" }).Key);
    }

    [Fact]
    public void Different_tools_get_different_keys()
    {
        Assert.NotEqual(Key("""{"id": 1}""", tool: "refund_order").Key, Key("""{"id": 1}""", tool: "cancel_order").Key);
    }

    [Fact]
    public void Keys_and_fingerprints_do_not_reveal_argument_values_or_scope()
    {
        var (key, fingerprint) = Key("""{"email": "jane.doe@example.com", "card": "4111111111111111"}""",
            scope: new GovernanceContext { TenantId = "acme-secret-tenant", ConversationId = "conv-secret" });

        foreach (string secret in new[] { "jane", "example.com", "4111", "acme", "conv-secret" })
        {
            Assert.DoesNotContain(secret, key, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(secret, fingerprint, StringComparison.OrdinalIgnoreCase);
        }

        Assert.StartsWith("tool:refund_order:", key, StringComparison.Ordinal);
    }

    [Fact]
    public void Request_keys_are_scoped_by_tenant_and_hide_the_apps_key()
    {
        string a = IdempotencyKeys.ForRequest("order-123", "tenant-a");

        Assert.NotEqual(a, IdempotencyKeys.ForRequest("order-123", "tenant-b"));
        Assert.NotEqual(a, IdempotencyKeys.ForRequest("order-123", null));
        Assert.Equal(a, IdempotencyKeys.ForRequest("order-123", "tenant-a"));
        Assert.DoesNotContain("order-123", a, StringComparison.Ordinal);
    }

    [Fact]
    public void Request_fingerprints_cannot_be_forged_by_moving_text_between_fields()
    {
        ChatMessage[] one = [new(ChatRole.User, "a"), new(ChatRole.User, "b")];
        ChatMessage[] merged = [new(ChatRole.User, [new TextContent("a"), new TextContent("b")])];
        var stop = new ChatOptions { StopSequences = ["x"] };
        var tool = new ChatOptions { Tools = [AIFunctionFactory.Create(() => 1, "x")] };

        Assert.NotEqual(IdempotencyKeys.RequestFingerprint(one, null), IdempotencyKeys.RequestFingerprint(merged, null));
        Assert.NotEqual(IdempotencyKeys.RequestFingerprint(one, stop), IdempotencyKeys.RequestFingerprint(one, tool));
        Assert.Equal(IdempotencyKeys.RequestFingerprint(one, stop), IdempotencyKeys.RequestFingerprint([new(ChatRole.User, "a"), new(ChatRole.User, "b")], new ChatOptions { StopSequences = ["x"] }));
    }

    [Fact]
    public void Bad_arguments_are_rejected()
    {
        Assert.ThrowsAny<ArgumentException>(() => ToolIdempotencyKeys.ForTool("", new Dictionary<string, object?>(), null, null));
        Assert.Throws<ArgumentNullException>(() => ToolIdempotencyKeys.ForTool("t", null!, null, null));
    }
}
