namespace Contracts.Ai;

/// <summary>
/// Letters of other scripts that render like Latin letters, mapped to the Latin letter (the common
/// single-letter entries of Unicode's confusables.txt, UTS #39, for Cyrillic, Greek, Armenian and Latin
/// extensions). Compatibility forms (fullwidth, mathematical alphanumerics) are folded by NFKD before.
/// </summary>
internal static class Confusables
{
    private const int First = 0x0100;

    private static readonly char[] Table = Build();

    /// <summary>Returns the Latin letter <paramref name="c"/> looks like, or <paramref name="c"/> itself.</summary>
    public static char Map(char c)
    {
        int index = c - First;
        if ((uint)index < (uint)Table.Length)
        {
            char mapped = Table[index];
            return mapped == '\0' ? c : mapped;
        }

        return c;
    }

    private static char[] Build()
    {
        var table = new char[0x0590 - First];
        void Set(string from, string to)
        {
            for (int i = 0; i < from.Length; i++)
            {
                table[from[i] - First] = to[i];
            }
        }

        // Cyrillic.
        Set("аеорсухіјѕԁһԛԝкмнтвпгґѵӏɡ", "aeopcyxijsdhqwkmhtbnrrvlg");
        Set("АВЕЅІЈКМНОРСТХУԌԚԜӀ", "ABESIJKMHOPCTXYGQWI");
        Set("ЬЪ", "bb");

        // Greek.
        Set("αβεζηικνορτυχϲϳωγ", "abeznikvoptuxcjwy");
        Set("ΑΒΕΖΗΙΚΜΝΟΡΤΥΧϹϒ", "ABEZHIKMNOPTYXCY");

        // Latin extensions and IPA letters that pass for ASCII.
        Set("ıɑɩɪʟɴʀʏɢʜɾſ", "iaiilnrygHrs");

        // Armenian.
        Set("օսհոց", "ouhnq");
        return table;
    }
}
