"""A Griffe extension that shows what the code runs: attrs ``__init__``s and bound methods.

The API reference (mkdocstrings, which reads the source with Griffe) would otherwise show
``Party()`` with no parameters, and every ``Args:`` section of a value, command or event
would be reported as naming parameters the signature lacks. Griffe does the same for
dataclasses in its built-in extension; this is that idea for attrs, read statically from
the source (never imported, so it works on the compiled accelerator's tree too):

* a class decorated with ``attrs.frozen``, ``define`` or ``mutable`` (called or not),
  or inheriting from one, gets ``__init__`` with a parameter per annotated field of the
  class and its attrs bases, in attrs' order (base fields first);
* ``kw_only=True`` on the decorator or on ``field`` makes a parameter keyword-only;
  ``field(init=False)`` and ``ClassVar`` attributes are left out;
* a default is the plain value, ``field(default=...)``, or a call of
  ``field(factory=...)`` / ``Factory(...)``; a leading underscore is dropped from the
  parameter's name, as attrs does;
* a field without a docstring of its own is documented once, as a parameter, not again
  as an attribute, and a private base class is not listed among the bases.

A module-level name bound to a method of a module-level instance (``decide =
MEDIATION.decide``, where ``MEDIATION = Process(...)``) becomes the function it is at run
time: the method's signature without ``self``, and its docstring, so ``restorative.decide``
is documented once, where ``Process.decide`` is written.

mkdocs.yml loads it with ``extensions: [tools/griffe_attrs.py]``.
"""

from __future__ import annotations

from typing import Any

from griffe import (
    Attribute,
    Class,
    Decorator,
    Docstring,
    Expr,
    ExprAttribute,
    ExprCall,
    ExprKeyword,
    ExprName,
    Extension,
    Function,
    Module,
    Parameter,
    ParameterKind,
    Parameters,
)

DECORATORS = frozenset(
    f"{package}.{name}" for package in ("attrs", "attr") for name in ("frozen", "define", "mutable", "s", "attrs")
)
"""The canonical paths of the class decorators that make an attrs class."""
FIELDS = frozenset({"attrs.field", "attr.field", "attr.ib", "attr.attrib"})
FACTORIES = frozenset({"attrs.Factory", "attr.Factory"})


def _canonical(expr: object) -> str:
    return str(getattr(expr, "canonical_path", "")) if isinstance(expr, Expr) else ""


def _attrs_decorator(decorators: list[Decorator]) -> Expr | None:
    for decorator in decorators:
        value = decorator.value
        function = value.function if isinstance(value, ExprCall) else value
        if _canonical(function) in DECORATORS:
            return value if isinstance(value, Expr) else None
    return None


def _keywords(expr: object) -> dict[str, str | Expr]:
    if not isinstance(expr, ExprCall):
        return {}
    return {argument.name: argument.value for argument in expr.arguments if isinstance(argument, ExprKeyword)}


def _default(attribute: Attribute, field: dict[str, str | Expr]) -> str | Expr | None:
    """The parameter's default as Griffe should print it, or ``None`` when the field is required."""
    if not _is_field(attribute.value):
        return _public_value(attribute.value)
    factory = field.get("factory")
    default = field.get("default")
    if isinstance(default, ExprCall) and _canonical(default.function) in FACTORIES and default.arguments:
        factory = default.arguments[0]
    if isinstance(factory, Expr):
        return ExprCall(function=factory, arguments=[])  # printed as the call: tuple(), Policy()
    return default


def _public_value(value: str | Expr | None) -> str | Expr | None:
    """A private module constant (``_NONE``) as the expression it stands for (``Progress(0)``)."""
    if isinstance(value, ExprName) and value.name.startswith("_"):
        try:
            target = value.parent.modules_collection[value.canonical_path]  # type: ignore[union-attr]
        except (KeyError, AttributeError):
            return value
        if isinstance(target, Attribute) and target.value is not None:
            return target.value
    return value


def _is_field(value: object) -> bool:
    return isinstance(value, ExprCall) and _canonical(value.function) in FIELDS


def _own_parameters(cls: Class) -> list[Parameter]:
    decorator = _attrs_decorator(cls.decorators)
    kw_only = str(_keywords(decorator).get("kw_only")) == "True"
    parameters = []
    for member in cls.members.values():
        if member.is_alias or not isinstance(member, Attribute) or member.annotation is None:
            continue
        if "property" in member.labels:
            continue
        if "class-attribute" in member.labels and "instance-attribute" not in member.labels:
            continue  # a ClassVar, which Griffe unwraps from the annotation
        field = _keywords(member.value) if _is_field(member.value) else {}
        if str(field.get("init")) == "False":
            continue
        alias = field.get("alias")
        name = str(alias).strip("'\"") if alias is not None else member.name.lstrip("_")
        keyword = kw_only or str(field.get("kw_only")) == "True"
        parameters.append(
            Parameter(
                name,
                annotation=member.annotation,
                kind=ParameterKind.keyword_only if keyword else ParameterKind.positional_or_keyword,
                default=_default(member, field),
                docstring=member.docstring,
            )
        )
    return parameters


def _set_init(cls: Class) -> None:
    try:
        lineage = [base for base in reversed(cls.mro()) if isinstance(base, Class)]
    except ValueError:  # a base Griffe cannot resolve
        lineage = []
    chain = [base for base in lineage if _attrs_decorator(base.decorators) is not None]
    if _attrs_decorator(cls.decorators) is None:
        return
    by_name: dict[str, Parameter] = {}
    for owner in [*chain, cls]:
        for parameter in _own_parameters(owner):
            by_name.pop(parameter.name, None)  # a redefined field moves to the end, as in attrs
            by_name[parameter.name] = parameter
    ordered = [p for p in by_name.values() if p.kind is not ParameterKind.keyword_only]
    ordered += [p for p in by_name.values() if p.kind is ParameterKind.keyword_only]
    parameters = Parameters(Parameter("self", kind=ParameterKind.positional_or_keyword), *ordered)
    init = Function("__init__", lineno=0, endlineno=0, parent=cls, parameters=parameters, returns="None")
    cls.set_member("__init__", init)
    cls.labels.add("attrs")


def _drop_fields(cls: Class) -> None:
    """Leave out the fields without a docstring of their own: the class documents them as parameters."""
    for parameter in _own_parameters(cls):
        member = cls.members.get(parameter.name) or cls.members.get(f"_{parameter.name}")
        if isinstance(member, Attribute) and member.docstring is None:
            cls.del_member(member.name)


def _bound_method(module: Module, attribute: Attribute) -> Function | None:
    """The method that ``name = INSTANCE.method`` binds, as a function of `module`, or ``None``."""
    value = attribute.value
    if not isinstance(value, ExprAttribute) or len(value.values) != 2:
        return None
    instance = module.members.get(str(value.first))
    if not isinstance(instance, Attribute) or not isinstance(instance.value, ExprCall):
        return None
    try:
        cls = module.modules_collection[_canonical(instance.value.function)]
    except KeyError:
        return None
    method = cls.members.get(str(value.last)) if isinstance(cls, Class) else None
    if not isinstance(method, Function) or not method.parameters:
        return None
    function = Function(
        attribute.name,
        lineno=attribute.lineno,
        endlineno=attribute.endlineno,
        parent=module,
        parameters=Parameters(*list(method.parameters)[1:]),
        returns=method.returns,
    )
    if method.docstring is not None:
        function.docstring = Docstring(
            method.docstring.value,
            lineno=method.docstring.lineno,
            endlineno=method.docstring.endlineno,
            parent=function,
            parser=method.docstring.parser,
            parser_options=method.docstring.parser_options,
        )
    return function


def _classes(node: Module | Class, seen: set[str]) -> list[Class]:
    """Every class defined under `node`, bases before the classes nested in them."""
    if node.path in seen:
        return []
    seen.add(node.path)
    found = [node] if isinstance(node, Class) else []
    for member in list(node.members.values()):
        if not member.is_alias and isinstance(member, Module | Class):
            found += _classes(member, seen)
    return found


def _bind_methods(module: Module) -> None:
    for member in list(module.members.values()):
        if member.is_alias:
            continue
        if isinstance(member, Attribute):
            function = _bound_method(module, member)
            if function is not None:
                module.set_member(member.name, function)
        elif isinstance(member, Module):
            _bind_methods(member)


class AttrsExtension(Extension):
    """Write the attrs ``__init__`` of every attrs class, and turn bound methods into functions."""

    def on_package(self, *, pkg: Module, **kwargs: Any) -> None:
        """Visit the package once Griffe has loaded it, so bases in other modules resolve."""
        classes = [cls for cls in _classes(pkg, set()) if "__init__" not in cls.members]
        for cls in classes:  # every __init__ first: a subclass reads its bases' fields
            _set_init(cls)
        for cls in classes:
            if "attrs" in cls.labels:
                _drop_fields(cls)
        for cls in classes:  # "Bases: _Command" tells a reader nothing they can use
            cls.bases = [base for base in cls.bases if not str(base).rpartition(".")[2].startswith("_")]
        _bind_methods(pkg)
