using System.Runtime.CompilerServices;
using System.Text;

namespace Spindle.Constraints.JsonSchema.Validation;

/// <summary>Mutable state of one Validate call: errors, the instance path, the dynamic scope and the depth guard.
/// One per call, which is what keeps the compiled validator itself immutable and thread-safe.</summary>
internal sealed class EvaluationContext
{
    private readonly List<ValidationError> _errors = [];
    private readonly List<PathSegment> _instancePath = [];
    private readonly List<SchemaResource> _dynamicScope = [];
    private readonly int _maxDepth;
    private int _depth;

    public EvaluationContext(bool stopAtFirstError, int maxDepth)
    {
        StopAtFirstError = stopAtFirstError;
        _maxDepth = maxDepth;
    }

    /// <summary>IsValid-only mode: keywords may skip work once the outcome is known.</summary>
    public bool StopAtFirstError { get; }

    public List<ValidationError> Errors => _errors;

    /// <summary>In IsValid mode errors are only counted: no message formatting, no pointer building.</summary>
    private int _countedErrors;

    public int ErrorCount => StopAtFirstError ? _countedErrors : _errors.Count;

    /// <summary>Drops errors recorded by a subschema whose failure did not decide the outcome (a failed anyOf branch
    /// of a passing anyOf, the 'if' of if/then/else, the subschema of a passing 'not').</summary>
    public void TruncateErrors(int count)
    {
        if (StopAtFirstError) _countedErrors = Math.Min(_countedErrors, count);
        else if (_errors.Count > count) _errors.RemoveRange(count, _errors.Count - count);
    }

    public void AddError(string keywordLocation, string message)
    {
        if (StopAtFirstError) _countedErrors++;
        else _errors.Add(new ValidationError(InstancePointer(), keywordLocation, message));
    }

    /// <summary>Interpolated messages are only formatted when errors are being collected.</summary>
    public void AddError(string keywordLocation, [InterpolatedStringHandlerArgument("")] ErrorMessageHandler message)
    {
        if (StopAtFirstError) _countedErrors++;
        else _errors.Add(new ValidationError(InstancePointer(), keywordLocation, message.ToStringAndClear()));
    }

    public void PushProperty(string name) => _instancePath.Add(new PathSegment(name, 0));
    public void PushIndex(int index) => _instancePath.Add(new PathSegment(null, index));
    public void Pop() => _instancePath.RemoveAt(_instancePath.Count - 1);

    public IReadOnlyList<SchemaResource> DynamicScope => _dynamicScope;
    public bool EnterResourceIfNew(SchemaResource resource)
    {
        if (_dynamicScope.Count > 0 && ReferenceEquals(_dynamicScope[^1], resource)) return false;
        _dynamicScope.Add(resource);
        return true;
    }
    public void LeaveResource() => _dynamicScope.RemoveAt(_dynamicScope.Count - 1);

    /// <summary>Each schema evaluation nests one level; a $ref cycle that consumes no input would recurse forever,
    /// so past the limit the evaluation is abandoned with an error naming where it was.</summary>
    public void Enter(string location)
    {
        if (++_depth > _maxDepth)
            throw new JsonSchemaException(
                $"evaluation nested deeper than {_maxDepth} schemas at '{location}' (instance '{InstancePointer()}'): " +
                "probably a $ref loop that consumes no input");
    }

    public void Leave() => _depth--;

    private string InstancePointer()
    {
        if (_instancePath.Count == 0) return "";
        var sb = new StringBuilder();
        foreach (var seg in _instancePath)
        {
            sb.Append('/');
            if (seg.Name == null) sb.Append(seg.Index);
            else sb.Append(seg.Name.Replace("~", "~0").Replace("/", "~1"));
        }
        return sb.ToString();
    }

    private readonly record struct PathSegment(string? Name, int Index);
}

/// <summary>Skips formatting an error message in IsValid mode, where nobody reads it: anyOf/oneOf over many
/// branches would otherwise format a message for every failing branch.</summary>
[InterpolatedStringHandler]
internal ref struct ErrorMessageHandler
{
    private DefaultInterpolatedStringHandler _inner;
    private readonly bool _enabled;

    public ErrorMessageHandler(int literalLength, int formattedCount, EvaluationContext context, out bool shouldAppend)
    {
        _enabled = shouldAppend = !context.StopAtFirstError;
        _inner = _enabled ? new DefaultInterpolatedStringHandler(literalLength, formattedCount) : default;
    }

    public void AppendLiteral(string value) => _inner.AppendLiteral(value);
    public void AppendFormatted<T>(T value) => _inner.AppendFormatted(value);
    public void AppendFormatted(string? value) => _inner.AppendFormatted(value);
    public string ToStringAndClear() => _enabled ? _inner.ToStringAndClear() : "";
}
