using System;

namespace Contracts.Ai;

/// <summary>
/// A tool declaration that already knows its <see cref="ContentFingerprint"/> (a governed tool computes it once when
/// it is wrapped), so what is derived from its declaration (token counts) is found without hashing it again, and
/// without the deriving code knowing the kind of tool.
/// </summary>
internal interface IFingerprintedDeclaration
{
    /// <summary>Gets the fingerprint of the declaration: name, description and parameter schema.</summary>
    UInt128 DeclarationFingerprint { get; }
}
