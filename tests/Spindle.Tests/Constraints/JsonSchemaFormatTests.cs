using System.Text;
using System.Text.Json;
using Spindle.Constraints.JsonSchema.Compilation;
using Spindle.Constraints.JsonSchema.Validation;
using Spindle.Constraints.Parsing;

namespace Spindle.Tests.Constraints;

/// <summary>
/// String formats the compiler enforces as regexes: on the official suite's format files every string instance gets the
/// labelled verdict from the validator, and the grammar agrees with the validator except where the compiler README
/// lists an over-approximation (a hostname's total length, the Punycode/IDNA validity of "xn--" labels). Random strings
/// over each format's significant characters check the same agreement beyond the suite.
/// </summary>
public sealed class JsonSchemaFormatTests
{
    private static readonly Dictionary<string, (CompiledGrammar Grammar, JsonSchemaValidator Validator)> Compiled = new(StringComparer.Ordinal);

    private static (CompiledGrammar Grammar, JsonSchemaValidator Validator) For(string format)
    {
        lock (Compiled)
        {
            if (!Compiled.TryGetValue(format, out var pair))
            {
                string schema = $$"""{"type":"string","format":"{{format}}"}""";
                pair = (new CompiledGrammar(JsonSchemaCompiler.Compile(schema)),
                    JsonSchemaValidator.Compile(schema, new JsonSchemaValidatorOptions { AssertFormat = true }));
                Compiled[format] = pair;
            }
            return pair;
        }
    }

    private static bool GrammarAccepts(string format, string value) =>
        GrammarValidatorAgreement.Accepts(For(format).Grammar, JsonText.QuoteString(value));

    private static bool ValidatorAccepts(string format, string value) =>
        GrammarValidatorAgreement.IsValid(For(format).Validator, JsonText.QuoteString(value));

    /// <summary>The over-approximations the README documents: the grammar may accept these although the validator does not.</summary>
    private static bool GrammarMayOverAccept(string format, string value)
    {
        if (format is "time" or "date-time") return LeapSecondOffByOffsetMinutes(format == "time" ? value : value[Math.Min(11, value.Length)..]);
        if (format is not ("hostname" or "email")) return false;
        string host = format == "email" ? value[(value.LastIndexOf('@') + 1)..] : value;
        if (host.Length > 253) return true;
        foreach (var label in host.Split('.'))
            if (label.StartsWith("xn--", StringComparison.OrdinalIgnoreCase)) return true;
        return false;
    }

    /// <summary>hh:mm:60 with mm below 59 and offset minutes 01-59 that would be valid with other offset minutes: the
    /// grammar ties the leap second's hour to the offset exactly but the minute only as "59 or not" (TimeOfDayRegex).</summary>
    private static bool LeapSecondOffByOffsetMinutes(string time)
    {
        var m = System.Text.RegularExpressions.Regex.Match(time, @"^(\d\d):(\d\d):60(\.\d+)?([+-])(\d\d):(\d\d)$");
        if (!m.Success || m.Groups[2].Value == "59" || m.Groups[6].Value == "00") return false;
        int local = int.Parse(m.Groups[1].Value) * 60 + int.Parse(m.Groups[2].Value);
        int correctMinutes = m.Groups[4].Value == "+" ? (local + 1) % 60 : 59 - local % 60;
        string corrected = time[..^2] + correctMinutes.ToString("D2");
        return ValidatorAccepts("time", corrected);
    }

    private static void AssertAgreement(string format, string value, List<string> disagreements)
    {
        bool valid = ValidatorAccepts(format, value), accepted = GrammarAccepts(format, value);
        if (valid != accepted && !(accepted && GrammarMayOverAccept(format, value)))
            disagreements.Add($"{format} {JsonText.QuoteString(value)}: validator {valid}, grammar {accepted}");
    }

    public static TheoryData<string, string> SuiteFormatFiles()
    {
        var data = new TheoryData<string, string>();
        foreach (var draft in new[] { "draft2020-12", "draft7" })
            foreach (var format in new[] { "ipv6", "hostname", "email", "uri", "uri-reference", "time", "date-time", "date", "ipv4", "uuid" })
                if (File.Exists(Path.Combine(JsonSchemaTestSuite.Root, draft, "optional", "format", format + ".json")))
                    data.Add(draft, format);
        return data;
    }

    [Theory]
    [MemberData(nameof(SuiteFormatFiles))]
    public void OfficialSuite_ValidatorMatchesLabels_GrammarMatchesValidator(string draft, string format)
    {
        string path = Path.Combine(JsonSchemaTestSuite.Root, draft, "optional", "format", format + ".json");
        using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
        var problems = new List<string>();
        int strings = 0;
        foreach (var group in doc.RootElement.EnumerateArray())
            foreach (var test in group.GetProperty("tests").EnumerateArray())
            {
                var data = test.GetProperty("data");
                if (data.ValueKind != JsonValueKind.String) continue;
                strings++;
                string value = data.GetString()!;
                bool label = test.GetProperty("valid").GetBoolean();
                if (ValidatorAccepts(format, value) != label)
                    problems.Add($"validator disagrees with the suite on {JsonText.QuoteString(value)} (expected {label})");
                AssertAgreement(format, value, problems);
            }
        Assert.True(strings > 0);
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void OfficialSuite_OverApproximationsAreOnlyTheDocumentedOnes()
    {
        // The hostname cases the grammar cannot reject: Punycode/IDNA rules and the 253-character total.
        Assert.True(GrammarAccepts("hostname", "xn--X") && !ValidatorAccepts("hostname", "xn--X"));
        string tooLong = string.Join('.', Enumerable.Repeat(new string('a', 63), 4)) + ".com";
        Assert.True(GrammarAccepts("hostname", tooLong) && !ValidatorAccepts("hostname", tooLong));
        // A leap second whose offset hour is right but offset minutes are not (23:40 UTC).
        Assert.True(GrammarAccepts("time", "15:30:60-08:10") && !ValidatorAccepts("time", "15:30:60-08:10"));
        // But an LDH label with "--" in places 3-4 that is not "xn--" is rejected by both.
        Assert.False(GrammarAccepts("hostname", "ab--cd") || ValidatorAccepts("hostname", "ab--cd"));
        Assert.True(GrammarAccepts("hostname", "a--b.xn--9n2bp8q") && ValidatorAccepts("hostname", "a--b.xn--9n2bp8q"));
    }

    [Theory]
    [InlineData("23:59:60Z", true)]
    [InlineData("23:59:60z", true)]
    [InlineData("23:59:60.123+00:00", true)]
    [InlineData("23:59:60-00:00", true)]
    [InlineData("15:59:60-08:00", true)]
    [InlineData("00:29:60+00:30", true)]
    [InlineData("00:00:60+00:01", true)]
    [InlineData("22:59:60+23:00", true)]
    [InlineData("00:00:60-23:59", true)]
    [InlineData("23:58:60Z", false)]
    [InlineData("22:59:60Z", false)]
    [InlineData("15:59:60+08:00", false)]
    [InlineData("00:29:60-00:30", false)]
    [InlineData("12:00:60+12:00", false)]
    [InlineData("23:59:61Z", false)]
    [InlineData("12:00:00.+01:00", false)]
    [InlineData("23:59:60+00:30", false)]
    [InlineData("23:59:60-00:30", false)]
    [InlineData("23:59:60+01:00", false)]
    [InlineData("23:59:60-01:00", false)]
    [InlineData("23:58:60+00:00", false)]
    [InlineData("22:59:60+00:00", false)]
    public void Time_LeapSecondOnlyAt2359Utc(string time, bool valid)
    {
        Assert.Equal(valid, ValidatorAccepts("time", time));
        Assert.Equal(valid, GrammarAccepts("time", time));
        Assert.Equal(valid, GrammarAccepts("date-time", "1998-12-31T" + time));
    }

    [Fact]
    public void Time_LeapSecondOffsets_AgreeUpToTheDocumentedMinuteApproximation()
    {
        var random = new Random(2016);
        var problems = new List<string>();
        for (int n = 0; n < 600; n++)
        {
            int offset = random.Next(-1439, 1440);
            int local = ((23 * 60 + 59 + offset) % 1440 + 1440) % 1440;
            // The one local time that is 23:59 UTC, and a random other one (usually not).
            foreach (int minutes in new[] { local, random.Next(1440) })
            {
                string sign = offset < 0 ? "-" : "+";
                int abs = Math.Abs(offset);
                string time = $"{minutes / 60:D2}:{minutes % 60:D2}:60{(n % 3 == 0 ? ".5" : "")}{sign}{abs / 60:D2}:{abs % 60:D2}";
                AssertAgreement("time", time, problems);
            }
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void Date_YearZeroIsALeapYear_InBoth()
    {
        Assert.True(ValidatorAccepts("date", "0000-02-29") && GrammarAccepts("date", "0000-02-29"));
        Assert.False(ValidatorAccepts("date", "1900-02-29") || GrammarAccepts("date", "1900-02-29"));
        Assert.True(ValidatorAccepts("date", "2000-02-29") && GrammarAccepts("date", "2000-02-29"));
        Assert.False(ValidatorAccepts("date-time", "2000-02-29 10:00:00Z") || GrammarAccepts("date-time", "2000-02-29 10:00:00Z"));
    }

    [Theory]
    [InlineData("::", true)]
    [InlineData("::1", true)]
    [InlineData("1::", true)]
    [InlineData("1:2:3:4:5:6:7::", true)]
    [InlineData("::2:3:4:5:6:7:8", true)]
    [InlineData("1:2:3:4:5:6:7:8", true)]
    [InlineData("1:2:3:4:5:6:1.2.3.4", true)]
    [InlineData("::ffff:192.168.0.1", true)]
    [InlineData("1::2:3:4:5:6:7", true)]
    [InlineData("1:2:3:4:5:6:7:8:9", false)]
    [InlineData("1:2:3:4:5:6:7", false)]
    [InlineData("1::2::3", false)]
    [InlineData("1:2:3:4:5:6:7::8", false)]
    [InlineData("::1.2.3.04", false)]
    [InlineData("1.2.3.4::", false)]
    [InlineData("fe80::1%eth0", false)]
    [InlineData("12345::", false)]
    [InlineData(":1:2:3:4:5:6:7", false)]
    public void IPv6_TextForms(string address, bool valid)
    {
        Assert.Equal(valid, ValidatorAccepts("ipv6", address));
        Assert.Equal(valid, GrammarAccepts("ipv6", address));
    }

    /// <summary>Every way to write random addresses: eight groups or six and an IPv4 tail, any run of groups (of
    /// zeros or not: syntax only) compressed to "::", groups of 1-4 digits in either case. All valid in both; dropping
    /// or adding a group makes them invalid in both.</summary>
    [Fact]
    public void IPv6_ConstructedAddresses_AcceptedByBoth_GroupCountErrorsRejectedByBoth()
    {
        var random = new Random(4291);
        var problems = new List<string>();
        for (int n = 0; n < 400; n++)
        {
            bool ipv4Tail = random.Next(3) == 0;
            var parts = new List<string>();
            for (int g = 0; g < (ipv4Tail ? 6 : 8); g++)
                parts.Add(random.Next(0x10000).ToString(random.Next(2) == 0 ? "x4" : "X4")[^random.Next(1, 5)..]);
            if (ipv4Tail) parts.Add($"{random.Next(256)}.{random.Next(256)}.{random.Next(256)}.{random.Next(256)}");
            // "::" for a random run of at least one group (the IPv4 tail counts as two): always valid.
            int at = random.Next(parts.Count), length = random.Next(1, parts.Count - at + 1);
            Check(string.Join(':', parts.GetRange(0, at)) + "::" + string.Join(':', parts.GetRange(at + length, parts.Count - at - length)), true);
            Check(string.Join(':', parts), true);
            Check(string.Join(':', parts.GetRange(1, parts.Count - 1)), false);
            Check("a:" + string.Join(':', parts), false);
            // A second "::" is never allowed.
            Check("::" + string.Join(':', parts.GetRange(0, at)) + "::" + string.Join(':', parts.GetRange(at + length, parts.Count - at - length)), false);
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems.Take(10)));

        void Check(string text, bool expected)
        {
            bool valid = ValidatorAccepts("ipv6", text), accepted = GrammarAccepts("ipv6", text);
            if (valid != expected || accepted != expected) problems.Add($"{text}: expected {expected}, validator {valid}, grammar {accepted}");
        }
    }

    [Theory]
    [InlineData("\"a\\\"b\"@example.com", true)]
    [InlineData("\"\"@example.com", true)]
    [InlineData("\"a\\\"@example.com", false)]
    [InlineData("\"a\u00e9\"@example.com", false)]
    [InlineData("\"a\u007f\"@example.com", false)]
    [InlineData("a@[ipv6:::1]", true)]
    [InlineData("a@[IPv6:1::2::3]", false)]
    [InlineData("a@[1.2.3.4", false)]
    [InlineData("a+b/c=d@x-y.example", true)]
    [InlineData("a@-x.com", false)]
    [InlineData("a@b@c.com", false)]
    public void Email_Mailbox(string address, bool valid)
    {
        Assert.Equal(valid, ValidatorAccepts("email", address));
        Assert.Equal(valid, GrammarAccepts("email", address));
    }

    [Theory]
    [InlineData("uri", "http://user:pw@[v1.x:y]:8080/a/b?c=d/e?#f/g?", true)]
    [InlineData("uri", "urn:isbn:0-486-27557-4", true)]
    [InlineData("uri", "mailto:a@b.c", true)]
    [InlineData("uri", "s:/a//b", true)]
    [InlineData("uri", "s://", true)]
    [InlineData("uri", "s:?q#f", true)]
    [InlineData("uri", "http://a%2", false)]
    [InlineData("uri", "http://a/%g0", false)]
    [InlineData("uri", "http://[::1%25eth0]/", false)]
    [InlineData("uri", "http://a:8x/", false)]
    [InlineData("uri", "http://a/b#c#d", false)]
    [InlineData("uri", "1http://a", false)]
    [InlineData("uri", "//a/b", false)]
    [InlineData("uri-reference", "//a/b", true)]
    [InlineData("uri-reference", "./a:b", true)]
    [InlineData("uri-reference", "a:b", true)]
    [InlineData("uri-reference", "1a:b", false)]
    [InlineData("uri-reference", "#f", true)]
    [InlineData("uri-reference", "", true)]
    [InlineData("uri-reference", "?q:/", true)]
    [InlineData("uri-reference", "a b", false)]
    public void Uri_Rfc3986(string format, string value, bool valid)
    {
        Assert.Equal(valid, ValidatorAccepts(format, value));
        Assert.Equal(valid, GrammarAccepts(format, value));
    }

    /// <summary>Random strings over each format's significant characters (biased towards its valid shapes by seeds of
    /// valid values that are mutated): grammar and validator agree on every one.</summary>
    [Theory]
    [InlineData("ipv6", "0123456789abcdefABCDEF:.%g", "1:2:3:4:5:6:7:8|::|1::|::ffff:1.2.3.4|fe80::1:2|1:2:3:4:5:6:1.2.3.4")]
    [InlineData("hostname", "ab0-.-Z_x", "a.b|a-b.c|abc.def.ghi|a--b|ab-c")]
    [InlineData("email", "ab.\"@\\ []:1I6Pv-!~", "a@b.c|\"a b\"@c.d|a.b@[1.2.3.4]|a@[IPv6:::1]|\"a\\\\\"@b")]
    [InlineData("uri", "a1:/?#%[]@.v+-F!", "a:b|a://b/c?d#e|a://[::1]:80/|a://u@h|a:/b/c|a://[v1.x]")]
    [InlineData("uri-reference", "a1:/?#%[]@.v+-F!", "a:b|//b/c?d#e|./a:b|a/b|?q|#f|//[::1]:80")]
    [InlineData("time", "0123569:+-.Zz", "23:59:60Z|12:00:00+01:00|23:59:59.5-00:00|00:00:60+00:01")]
    public void RandomStrings_GrammarAgreesWithValidator(string format, string alphabet, string seeds)
    {
        var random = new Random(format.Length * 7919 + alphabet.Length);
        var problems = new List<string>();
        var seedValues = seeds.Split('|');
        var sb = new StringBuilder();
        int valid = 0;
        const int Count = 1500;
        for (int n = 0; n < Count; n++)
        {
            sb.Clear();
            if (n % 2 == 0)
            {
                int length = random.Next(0, 14);
                for (int i = 0; i < length; i++) sb.Append(alphabet[random.Next(alphabet.Length)]);
            }
            else
            {
                sb.Append(seedValues[random.Next(seedValues.Length)]);
                for (int edits = random.Next(1, 4); edits > 0; edits--)
                {
                    int at = random.Next(sb.Length + 1);
                    switch (random.Next(3))
                    {
                        case 0: sb.Insert(at, alphabet[random.Next(alphabet.Length)]); break;
                        case 1 when at < sb.Length: sb.Remove(at, 1); break;
                        default: if (at < sb.Length) sb[at] = alphabet[random.Next(alphabet.Length)]; break;
                    }
                }
            }
            if (ValidatorAccepts(format, sb.ToString())) valid++;
            AssertAgreement(format, sb.ToString(), problems);
            if (problems.Count > 10) break;
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
        // Both verdicts must be well represented, or the agreement says little.
        Assert.True(valid >= Count / 50 && Count - valid >= Count / 10, $"{valid} of {Count} valid");
    }
}
