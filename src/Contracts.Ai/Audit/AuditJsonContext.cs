using System.Collections.Generic;
using System.Text.Json.Serialization;

namespace Contracts.Ai;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(DecisionRecord))]
[JsonSerializable(typeof(PromptChangeEvent))]
[JsonSerializable(typeof(List<PromptChangeEvent>))]
internal sealed partial class AuditJsonContext : JsonSerializerContext
{
}
