namespace Spindle.Chat.Jinja;

// The syntax tree. Expressions and statements are separate closed hierarchies the interpreter switches over.

internal abstract record Expr(int Line);

internal sealed record LiteralExpr(JinjaValue Value, int Line) : Expr(Line);
internal sealed record NameExpr(string Name, int Line) : Expr(Line);
internal sealed record ListExpr(List<Expr> Items, bool IsTuple, int Line) : Expr(Line);
internal sealed record DictExpr(List<(Expr Key, Expr Value)> Pairs, int Line) : Expr(Line);
internal sealed record AttributeExpr(Expr Target, string Name, int Line) : Expr(Line);
internal sealed record ItemExpr(Expr Target, Expr Index, int Line) : Expr(Line);
internal sealed record SliceExpr(Expr Target, Expr? Start, Expr? Stop, Expr? Step, int Line) : Expr(Line);
internal sealed record CallArgs(List<Expr> Positional, List<(string Name, Expr Value)> Keyword);
internal sealed record CallExpr(Expr Callee, CallArgs Args, int Line) : Expr(Line);
internal sealed record FilterExpr(Expr Operand, string Name, CallArgs Args, int Line) : Expr(Line);
internal sealed record TestExpr(Expr Operand, string Name, CallArgs Args, bool Negated, int Line) : Expr(Line);
internal sealed record UnaryExpr(string Op, Expr Operand, int Line) : Expr(Line);
internal sealed record BinaryExpr(string Op, Expr Left, Expr Right, int Line) : Expr(Line);
/// <summary>A comparison chain <c>a &lt; b &lt;= c</c>, evaluated pairwise like Python.</summary>
internal sealed record CompareExpr(Expr First, List<(string Op, Expr Operand)> Rest, int Line) : Expr(Line);
/// <summary><c>a if cond else b</c>; without else, a false condition yields undefined.</summary>
internal sealed record ConditionalExpr(Expr Condition, Expr Then, Expr? Else, int Line) : Expr(Line);

internal abstract record Stmt(int Line);

internal sealed record TextStmt(string Text, int Line) : Stmt(Line);
internal sealed record OutputStmt(Expr Value, int Line) : Stmt(Line);
/// <summary><c>if</c> with its <c>elif</c> branches in order (flat, so a long chain nests nothing), then <c>else</c>.</summary>
internal sealed record IfStmt(List<(Expr Condition, List<Stmt> Body)> Branches, List<Stmt> Else, int Line) : Stmt(Line);
/// <summary>A for-loop; <see cref="UsesLoop"/> says whether its body mentions <c>loop</c>, which is only built then.</summary>
internal sealed record ForStmt(List<string> Targets, bool UnpackTargets, Expr Iterable, Expr? Filter, List<Stmt> Body, List<Stmt> Else, bool UsesLoop, int Line) : Stmt(Line);
/// <summary><c>set a = x</c>, <c>set a, b = x</c> (unpack) or <c>set ns.attr = x</c> (when <see cref="Attribute"/> is set).</summary>
internal sealed record SetStmt(List<string> Targets, bool UnpackTargets, string? Attribute, Expr Value, int Line) : Stmt(Line);
internal sealed record SetBlockStmt(string Target, List<(string Name, CallArgs Args, int Line)> Filters, List<Stmt> Body, int Line) : Stmt(Line);
internal sealed record MacroStmt(string Name, List<(string Name, Expr? Default)> Parameters, List<Stmt> Body, int Line) : Stmt(Line);
internal sealed record CallBlockStmt(CallExpr Call, List<(string Name, Expr? Default)> CallerParameters, List<Stmt> Body, int Line) : Stmt(Line);
internal sealed record FilterBlockStmt(List<(string Name, CallArgs Args, int Line)> Filters, List<Stmt> Body, int Line) : Stmt(Line);
internal sealed record BreakStmt(int Line) : Stmt(Line);
internal sealed record ContinueStmt(int Line) : Stmt(Line);
/// <summary>A statement list rendered in place (transformers' <c>{% generation %}</c> blocks).</summary>
internal sealed record BlockStmt(List<Stmt> Body, int Line) : Stmt(Line);
