using System.Text.Json.Serialization;

namespace Contracts.Ai;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(DecisionRecord))]
internal sealed partial class AuditJsonContext : JsonSerializerContext
{
}
