using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Contracts.Ai;

/// <summary>
/// Compiles a draft 2020-12 schema into <see cref="SchemaNode"/> trees. Throws
/// <see cref="UnsupportedSchemaException"/> when the schema needs a keyword outside the compiled subset,
/// and <see cref="ArgumentException"/> when the schema is invalid.
/// </summary>
internal sealed class SchemaCompiler
{
    internal static readonly TimeSpan DefaultPatternBudget = TimeSpan.FromSeconds(2);

    private const string Draft202012 = "https://json-schema.org/draft/2020-12/schema";

    // Draft 2020-12 keywords outside the compiled subset: their schemas are evaluated by the fallback.
    private static readonly HashSet<string> Unsupported = new(StringComparer.Ordinal)
    {
        "dependentRequired", "dependentSchemas", "if", "then", "else", "unevaluatedProperties", "unevaluatedItems",
        "contains", "minContains", "maxContains", "propertyNames", "$dynamicRef", "$dynamicAnchor", "$vocabulary",
    };

    private readonly JsonElement _root;
    private readonly TimeSpan _patternBudget;
    private readonly Dictionary<string, SchemaNode> _nodes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _anchors = new(StringComparer.Ordinal);
    private readonly List<(RefKeyword Keyword, string Reference, string Location)> _refs = [];
    private readonly Queue<(SchemaNode Node, JsonElement Schema, string Location)> _pending = new();

    private SchemaCompiler(JsonElement root, TimeSpan patternBudget)
    {
        _root = root;
        _patternBudget = patternBudget;
    }

    public static SchemaNode Compile(JsonElement root, TimeSpan patternBudget)
    {
        SchemaCompiler compiler = new(root, patternBudget);
        compiler.CollectAnchors(root, "#");
        SchemaNode node = compiler.NodeFor(root, "#");
        compiler.Drain();
        // Resolving may reach schemas not compiled yet, which may add references: hence the index loop.
        for (int i = 0; i < compiler._refs.Count; i++)
        {
            (RefKeyword keyword, string reference, string location) = compiler._refs[i];
            (JsonElement target, string targetLocation) = compiler.Resolve(reference, location);
            keyword.Target = compiler.NodeFor(target, targetLocation);
            compiler.Drain();
        }

        return node;
    }

    /// <summary>
    /// Checks that every fragment-only <c>$ref</c> of a schema resolves within it. Used before handing a schema
    /// to the fallback, which resolves references only when evaluation reaches them. Schemas with a nested
    /// <c>$id</c> are skipped, since their fragments resolve against other base URIs.
    /// </summary>
    public static void CheckLocalReferences(JsonElement root)
    {
        SchemaCompiler compiler = new(root, DefaultPatternBudget);
        compiler.CollectAnchors(root, "#");
        List<(string Reference, string Location)> references = [];
        if (CollectReferences(root, "#", references))
        {
            foreach ((string reference, string location) in references)
            {
                _ = compiler.Resolve(reference, location);
            }
        }
    }

    private static bool CollectReferences(JsonElement element, string location, List<(string Reference, string Location)> references)
    {
        if (element.ValueKind == JsonValueKind.Object)
        {
            foreach (JsonProperty property in element.EnumerateObject())
            {
                string at = location + "/" + EscapePointer(property.Name);
                if (property.NameEquals("enum") || property.NameEquals("const"))
                {
                    continue;
                }

                if (property.NameEquals("$id") && location != "#")
                {
                    return false;
                }

                if (property.NameEquals("$ref") && property.Value.ValueKind == JsonValueKind.String && property.Value.GetString()!.StartsWith('#'))
                {
                    references.Add((property.Value.GetString()!, at));
                }
                else if (!CollectReferences(property.Value, at, references))
                {
                    return false;
                }
            }
        }
        else if (element.ValueKind == JsonValueKind.Array)
        {
            int i = 0;
            foreach (JsonElement item in element.EnumerateArray())
            {
                if (!CollectReferences(item, location + "/" + i.ToString(CultureInfo.InvariantCulture), references))
                {
                    return false;
                }

                i++;
            }
        }

        return true;
    }

    private void Drain()
    {
        while (_pending.TryDequeue(out (SchemaNode Node, JsonElement Schema, string Location) item))
        {
            Fill(item.Node, item.Schema, item.Location);
        }
    }

    private SchemaNode NodeFor(JsonElement schema, string location)
    {
        if (_nodes.TryGetValue(location, out SchemaNode? existing))
        {
            return existing;
        }

        SchemaNode node = new();
        _nodes.Add(location, node);
        _pending.Enqueue((node, schema, location));
        return node;
    }

    private void Fill(SchemaNode node, JsonElement schema, string location)
    {
        if (schema.ValueKind == JsonValueKind.True)
        {
            node.Initialize(false, JsonTypes.None, [], [], [], [], []);
            return;
        }

        if (schema.ValueKind == JsonValueKind.False)
        {
            node.Initialize(true, JsonTypes.None, [], [], [], [], []);
            return;
        }

        if (schema.ValueKind != JsonValueKind.Object)
        {
            throw Invalid(location, "a schema must be an object or a boolean");
        }

        JsonTypes types = JsonTypes.None;
        List<KeywordValidator> any = [];
        List<KeywordValidator> objects = [];
        List<KeywordValidator> arrays = [];
        List<KeywordValidator> strings = [];
        List<KeywordValidator> numbers = [];
        List<NumberLimit> limits = [];
        bool membersCompiled = false;

        foreach (JsonProperty keyword in schema.EnumerateObject())
        {
            string name = keyword.Name;
            JsonElement value = keyword.Value;
            string at = location + "/" + EscapePointer(name);
            if (Unsupported.Contains(name))
            {
                throw new UnsupportedSchemaException(name);
            }

            switch (name)
            {
                case "$schema":
                    if (value.ValueKind != JsonValueKind.String)
                    {
                        throw Invalid(at, "'$schema' must be a string");
                    }

                    if (!value.ValueEquals(Draft202012) && !value.ValueEquals(Draft202012 + "#"))
                    {
                        throw new UnsupportedSchemaException(name);
                    }

                    break;
                case "$id":
                    if (location != "#")
                    {
                        // A nested $id changes the base URI for references; the fallback implements that.
                        throw new UnsupportedSchemaException(name);
                    }

                    break;
                case "type":
                    types = ParseTypes(value, at);
                    break;
                case "properties":
                case "required":
                case "patternProperties":
                case "additionalProperties":
                    if (!membersCompiled)
                    {
                        objects.Add(CompileMembers(schema, location));
                        membersCompiled = true;
                    }

                    break;
                case "minProperties":
                case "maxProperties":
                    objects.Add(new PropertyCountKeyword(name, ParseCount(value, at, name), name == "minProperties"));
                    break;
                case "enum":
                    if (value.ValueKind != JsonValueKind.Array)
                    {
                        throw Invalid(at, "'enum' must be an array");
                    }

                    any.Add(new AllowedValuesKeyword(ToArray(value), isConst: false));
                    break;
                case "const":
                    any.Add(new AllowedValuesKeyword([value], isConst: true));
                    break;
                case "prefixItems":
                case "items":
                    if (name == "items" || !schema.TryGetProperty("items", out _))
                    {
                        arrays.Add(CompileItems(schema, location));
                    }

                    break;
                case "minItems":
                case "maxItems":
                    arrays.Add(new ItemCountKeyword(name, ParseCount(value, at, name), name == "minItems"));
                    break;
                case "uniqueItems":
                    if (value.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                    {
                        throw Invalid(at, "'uniqueItems' must be a boolean");
                    }

                    if (value.ValueKind == JsonValueKind.True)
                    {
                        arrays.Add(UniqueItemsKeyword.Instance);
                    }

                    break;
                case "minLength":
                case "maxLength":
                    strings.Add(new LengthKeyword(name, ParseCount(value, at, name), name == "minLength"));
                    break;
                case "pattern":
                    if (value.ValueKind != JsonValueKind.String)
                    {
                        throw Invalid(at, "'pattern' must be a string");
                    }

                    strings.Add(new PatternKeyword(CreatePattern(value.GetString()!, at)));
                    break;
                case "minimum":
                case "maximum":
                case "exclusiveMinimum":
                case "exclusiveMaximum":
                    if (value.ValueKind != JsonValueKind.Number)
                    {
                        throw Invalid(at, "'" + name + "' must be a number");
                    }

                    limits.Add(NumberLimit.Create(name, value));
                    break;
                case "multipleOf":
                    if (value.ValueKind != JsonValueKind.Number || ExactNumber.Of(value).Sign <= 0)
                    {
                        throw Invalid(at, "'multipleOf' must be a number greater than 0");
                    }

                    limits.Add(NumberLimit.Create(name, value));
                    break;
                case "allOf":
                    any.Add(new AllOfKeyword(CompileSchemaArray(value, at, name)));
                    break;
                case "anyOf":
                case "oneOf":
                    any.Add(new AlternativesKeyword(CompileSchemaArray(value, at, name), exactlyOne: name == "oneOf"));
                    break;
                case "not":
                    any.Add(new NotKeyword(NodeFor(value, at)));
                    break;
                case "$ref":
                    if (value.ValueKind != JsonValueKind.String)
                    {
                        throw Invalid(at, "'$ref' must be a string");
                    }

                    string reference = value.GetString()!;
                    if (!reference.StartsWith('#'))
                    {
                        throw new UnsupportedSchemaException(name);
                    }

                    RefKeyword refKeyword = new();
                    _refs.Add((refKeyword, reference, at));
                    any.Add(refKeyword);
                    break;
                case "$defs":
                    if (value.ValueKind != JsonValueKind.Object)
                    {
                        throw Invalid(at, "'$defs' must be an object");
                    }

                    foreach (JsonProperty definition in value.EnumerateObject())
                    {
                        // Compiled eagerly so an invalid or unsupported definition is found at compile time.
                        _ = NodeFor(definition.Value, at + "/" + EscapePointer(definition.Name));
                    }

                    break;
                case "$anchor":
                    if (value.ValueKind != JsonValueKind.String)
                    {
                        throw Invalid(at, "'$anchor' must be a string");
                    }

                    break;
                default:
                    // Annotations and unknown keywords carry no assertion in 2020-12.
                    break;
            }
        }

        if (limits.Count > 0)
        {
            numbers.Add(new NumberKeyword([.. limits]));
        }

        node.Initialize(false, types, [.. any], [.. objects], [.. arrays], [.. strings], [.. numbers]);
    }

    private ObjectMembersKeyword CompileMembers(JsonElement schema, string location)
    {
        List<string> names = [];
        List<SchemaNode?> schemas = [];
        if (schema.TryGetProperty("properties", out JsonElement properties))
        {
            string at = location + "/properties";
            if (properties.ValueKind != JsonValueKind.Object)
            {
                throw Invalid(at, "'properties' must be an object");
            }

            foreach (JsonProperty property in properties.EnumerateObject())
            {
                if (names.Contains(property.Name))
                {
                    continue;
                }

                names.Add(property.Name);
                schemas.Add(NodeFor(property.Value, at + "/" + EscapePointer(property.Name)));
            }
        }

        int declaredCount = names.Count;
        List<int> required = [];
        if (schema.TryGetProperty("required", out JsonElement requiredNames))
        {
            string at = location + "/required";
            if (requiredNames.ValueKind != JsonValueKind.Array)
            {
                throw Invalid(at, "'required' must be an array of strings");
            }

            foreach (JsonElement item in requiredNames.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.String)
                {
                    throw Invalid(at, "'required' must be an array of strings");
                }

                string name = item.GetString()!;
                int index = names.IndexOf(name);
                if (index < 0)
                {
                    index = names.Count;
                    names.Add(name);
                    schemas.Add(null);
                }

                if (!required.Contains(index))
                {
                    required.Add(index);
                }
            }
        }

        List<SchemaPattern> patterns = [];
        List<SchemaNode> patternSchemas = [];
        if (schema.TryGetProperty("patternProperties", out JsonElement patternProperties))
        {
            string at = location + "/patternProperties";
            if (patternProperties.ValueKind != JsonValueKind.Object)
            {
                throw Invalid(at, "'patternProperties' must be an object");
            }

            foreach (JsonProperty property in patternProperties.EnumerateObject())
            {
                string propertyAt = at + "/" + EscapePointer(property.Name);
                patterns.Add(CreatePattern(property.Name, propertyAt));
                patternSchemas.Add(NodeFor(property.Value, propertyAt));
            }
        }

        SchemaNode? additional = null;
        string? forbidden = null;
        if (schema.TryGetProperty("additionalProperties", out JsonElement additionalSchema))
        {
            additional = NodeFor(additionalSchema, location + "/additionalProperties");
            if (additionalSchema.ValueKind == JsonValueKind.False)
            {
                forbidden = DescribeAllowed(names, declaredCount, patterns.Count);
            }
        }

        byte[][] utf8 = new byte[names.Count][];
        for (int i = 0; i < utf8.Length; i++)
        {
            utf8[i] = Encoding.UTF8.GetBytes(names[i]);
        }

        return new ObjectMembersKeyword([.. names], utf8, [.. schemas], declaredCount, [.. required], [.. patterns], [.. patternSchemas], additional, forbidden);
    }

    private static string DescribeAllowed(List<string> names, int declaredCount, int patternCount)
    {
        if (declaredCount == 0)
        {
            return patternCount == 0 ? "; the object allows no properties" : "; allowed: names matching the declared patterns";
        }

        StringBuilder allowed = new("; allowed: ");
        for (int i = 0; i < declaredCount; i++)
        {
            if (allowed.Length > 120)
            {
                allowed.Append(", ...");
                break;
            }

            allowed.Append(i == 0 ? string.Empty : ", ").Append(SchemaMessages.Shorten(names[i]));
        }

        return patternCount == 0 ? allowed.ToString() : allowed.Append(" and names matching the declared patterns").ToString();
    }

    private ItemsKeyword CompileItems(JsonElement schema, string location)
    {
        SchemaNode[] prefix = [];
        if (schema.TryGetProperty("prefixItems", out JsonElement prefixItems))
        {
            prefix = CompileSchemaArray(prefixItems, location + "/prefixItems", "prefixItems");
        }

        SchemaNode? rest = schema.TryGetProperty("items", out JsonElement items)
            ? NodeFor(items, location + "/items")
            : null;
        return new ItemsKeyword(prefix, rest, restForbidden: items.ValueKind == JsonValueKind.False);
    }

    private SchemaNode[] CompileSchemaArray(JsonElement value, string at, string keyword)
    {
        if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() == 0)
        {
            throw Invalid(at, "'" + keyword + "' must be a non-empty array of schemas");
        }

        SchemaNode[] nodes = new SchemaNode[value.GetArrayLength()];
        int i = 0;
        foreach (JsonElement item in value.EnumerateArray())
        {
            nodes[i] = NodeFor(item, at + "/" + i.ToString(CultureInfo.InvariantCulture));
            i++;
        }

        return nodes;
    }

    private static JsonTypes ParseTypes(JsonElement value, string at)
    {
        if (value.ValueKind == JsonValueKind.String)
        {
            return ParseType(value, at);
        }

        if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() == 0)
        {
            throw Invalid(at, "'type' must be a type name or a non-empty array of type names");
        }

        JsonTypes types = JsonTypes.None;
        foreach (JsonElement item in value.EnumerateArray())
        {
            types |= ParseType(item, at);
        }

        return types;
    }

    private static JsonTypes ParseType(JsonElement value, string at) =>
        value.ValueKind != JsonValueKind.String ? throw Invalid(at, "'type' must be a type name or a non-empty array of type names")
        : value.GetString() switch
        {
            "null" => JsonTypes.Null,
            "boolean" => JsonTypes.Boolean,
            "object" => JsonTypes.Object,
            "array" => JsonTypes.Array,
            "number" => JsonTypes.Number,
            "string" => JsonTypes.String,
            "integer" => JsonTypes.Integer,
            _ => throw Invalid(at, "unknown type name; expected null, boolean, object, array, number, string or integer"),
        };

    private static long ParseCount(JsonElement value, string at, string keyword)
    {
        if (value.ValueKind == JsonValueKind.Number && JsonValues.IsInteger(value))
        {
            double count = JsonValues.ToDouble(value);
            if (count >= 0)
            {
                return count >= long.MaxValue ? long.MaxValue : (long)count;
            }
        }

        throw Invalid(at, "'" + keyword + "' must be a non-negative integer");
    }

    private SchemaPattern CreatePattern(string pattern, string at)
    {
        try
        {
            return SchemaPattern.Create(pattern, _patternBudget);
        }
        catch (ArgumentException e)
        {
            throw Invalid(at, "the regular expression does not parse: " + e.Message);
        }
    }

    private static JsonElement[] ToArray(JsonElement array)
    {
        JsonElement[] values = new JsonElement[array.GetArrayLength()];
        int i = 0;
        foreach (JsonElement item in array.EnumerateArray())
        {
            values[i++] = item;
        }

        return values;
    }

    private (JsonElement Target, string Location) Resolve(string reference, string location)
    {
        string fragment = Uri.UnescapeDataString(reference.AsSpan(1).ToString());
        if (fragment.Length == 0)
        {
            return (_root, "#");
        }

        if (fragment[0] != '/')
        {
            if (_anchors.TryGetValue(fragment, out string? anchorLocation))
            {
                return (Navigate(anchorLocation), anchorLocation);
            }

            throw Invalid(location, "the reference '" + SchemaMessages.Shorten(reference) + "' names no $anchor in this schema");
        }

        JsonElement target = _root;
        StringBuilder normalized = new("#");
        foreach (string rawSegment in fragment[1..].Split('/'))
        {
            string segment = rawSegment.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
            if (target.ValueKind == JsonValueKind.Object && target.TryGetProperty(segment, out JsonElement child))
            {
                target = child;
            }
            else if (target.ValueKind == JsonValueKind.Array && int.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out int index) && index < target.GetArrayLength())
            {
                target = target[index];
            }
            else
            {
                throw Invalid(location, "the reference '" + SchemaMessages.Shorten(reference) + "' does not resolve within this schema");
            }

            normalized.Append('/').Append(EscapePointer(segment));
        }

        return (target, normalized.ToString());
    }

    // Follows a location this compiler produced itself (anchors), so every step exists.
    private JsonElement Navigate(string location)
    {
        JsonElement target = _root;
        foreach (string rawSegment in location[1..].Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            string segment = rawSegment.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
            target = target.ValueKind == JsonValueKind.Array
                ? target[int.Parse(segment, CultureInfo.InvariantCulture)]
                : target.GetProperty(segment);
        }

        return target;
    }

    private void CollectAnchors(JsonElement element, string location)
    {
        if (element.ValueKind == JsonValueKind.Object)
        {
            if (element.TryGetProperty("$anchor", out JsonElement anchor) && anchor.ValueKind == JsonValueKind.String)
            {
                _anchors.TryAdd(anchor.GetString()!, location);
            }

            // A $dynamicAnchor is also a plain anchor for $ref (such schemas use the fallback, which needs the check too).
            if (element.TryGetProperty("$dynamicAnchor", out JsonElement dynamicAnchor) && dynamicAnchor.ValueKind == JsonValueKind.String)
            {
                _anchors.TryAdd(dynamicAnchor.GetString()!, location);
            }

            foreach (JsonProperty property in element.EnumerateObject())
            {
                // Values of enum/const are data, not schemas.
                if (property.NameEquals("enum") || property.NameEquals("const"))
                {
                    continue;
                }

                CollectAnchors(property.Value, location + "/" + EscapePointer(property.Name));
            }
        }
        else if (element.ValueKind == JsonValueKind.Array)
        {
            int i = 0;
            foreach (JsonElement item in element.EnumerateArray())
            {
                CollectAnchors(item, location + "/" + i.ToString(CultureInfo.InvariantCulture));
                i++;
            }
        }
    }

    private static string EscapePointer(string name) =>
        name.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);

    private static ArgumentException Invalid(string location, string message) =>
        new("Invalid JSON Schema at '" + location + "': " + message + ".");
}

/// <summary>The schema uses a keyword outside the compiled subset.</summary>
internal sealed class UnsupportedSchemaException(string keyword) : Exception("The schema uses '" + keyword + "', which the compiled validator does not implement.")
{
    public string Keyword { get; } = keyword;
}
