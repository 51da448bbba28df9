# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""
This package's use of rclpy / launch / launch_ros / launch_testing, checked against Humble's.

Static (ast only, nothing of Humble is imported): Humble's pure-Python sources
(`../shared/ros2/humble`) give the API table (modules, their names, classes with their bases,
methods, class and instance attributes, signatures, return annotations); our files give the
names imported from those packages, attribute accesses and calls on them, and on the objects
they return (`sub = node.create_subscription(...)`, `self.pub = ...`), and calls on our own
classes that derive from them (`self.create_lifecycle_publisher(...)` in a LifecycleNode).
A use is a breach when the module, name, method or attribute does not exist in Humble, or when
the call passes a keyword argument (or more positional ones) that Humble's signature does not
take. `**kwargs` are followed to where Humble forwards them (LifecycleNode -> Node,
launch_ros Node -> ExecuteProcess -> Action). What Humble's C extension provides is opaque:
assumed present.

A breach inside `try: ... except ImportError/AttributeError/TypeError` is a fallback: allowed
in alike_ros/nodes/compat.py only, whose fallback branches the tests run; anywhere else it is
still a breach (move it into compat).
"""

import ast
from dataclasses import dataclass, field
import importlib
import importlib.util
from pathlib import Path

GUARDS = {'ImportError', 'ModuleNotFoundError', 'AttributeError', 'TypeError'}
COMPAT = 'alike_ros/nodes/compat.py'
# Return types Humble's sources do not annotate.
RETURNS = {
    'rclpy.node.Node.get_logger': 'rclpy.impl.rcutils_logger.RcutilsLogger',
    'rclpy.logging.get_logger': 'rclpy.impl.rcutils_logger.RcutilsLogger',
    'rclpy.impl.rcutils_logger.RcutilsLogger.get_child': 'rclpy.impl.rcutils_logger.RcutilsLogger',
    'rclpy.lifecycle.node.LifecycleNodeMixin.create_lifecycle_publisher':
        'rclpy.lifecycle.publisher.LifecyclePublisher',
}


@dataclass
class Breach:
    """One use of an API that Humble lacks (or a fallback for one)."""

    path: str
    line: int
    api: str
    problem: str
    fallback: bool = False  # inside try/except of GUARDS
    handlers: list = field(default_factory=list)  # (first, last) lines of those except bodies

    def __str__(self):
        where = f'{self.path}:{self.line}'
        extra = ''
        if self.fallback:
            extra = (' (a fallback, run by test_humble_compat)' if self.path == COMPAT else
                     ' (behind a fallback outside alike_ros/nodes/compat.py: move it there)')
        return f'{where}: {self.api}: {self.problem}{extra}'


# Symbols. Humble's: modules, classes, functions (bound or not), instances, opaque values.
@dataclass(frozen=True)
class Mod:
    name: str


@dataclass(frozen=True)
class Cls:
    module: str
    node: ast.ClassDef = field(compare=False)
    qualname: str = ''


@dataclass(frozen=True)
class Func:
    module: str
    node: ast.FunctionDef = field(compare=False)
    qualname: str = ''
    owner: object = None  # the Cls defining it
    bound: bool = False


@dataclass(frozen=True)
class Inst:
    cls: Cls


@dataclass(frozen=True)
class Real:
    """A standard-library object (a class's base such as IntEnum), inspected for real."""

    obj: object


OPAQUE = 'opaque'  # exists, nothing more known (C extension values, our own objects)
MISSING = 'missing'


def _decorators(node):
    return {d.id if isinstance(d, ast.Name) else getattr(d, 'attr', '')
            for d in node.decorator_list}


def _type_checking(test):
    return (isinstance(test, ast.Name) and test.id == 'TYPE_CHECKING') or (
        isinstance(test, ast.Attribute) and test.attr == 'TYPE_CHECKING')


class HumbleModule:
    """One module of Humble's sources: what its top level binds."""

    def __init__(self, name, path, package):
        self.name, self.path, self.package = name, path, package
        self.tree = ast.parse(path.read_text(), str(path))
        self.bindings = {}  # name -> ('def'|'class', node) | ('import', module) |
        self.stars = []     # ('from', module, name) | ('value', expr)
        self.typing = {}    # names bound under `if TYPE_CHECKING:` (annotations only)
        self._collect(self.tree.body, self.bindings)

    def _absolute(self, module, level):
        if not level:
            return module
        base = self.name if self.package else self.name.rpartition('.')[0]
        for _ in range(level - 1):
            base = base.rpartition('.')[0]
        return f'{base}.{module}' if module else base

    def _collect(self, body, into):
        for stmt in body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                into[stmt.name] = ('def', stmt)
            elif isinstance(stmt, ast.ClassDef):
                into[stmt.name] = ('class', stmt)
            elif isinstance(stmt, ast.Import):
                for a in stmt.names:
                    if a.asname:
                        into[a.asname] = ('import', a.name)
                    else:
                        top = a.name.split('.')[0]
                        into[top] = ('import', top)
            elif isinstance(stmt, ast.ImportFrom):
                module = self._absolute(stmt.module, stmt.level)
                for a in stmt.names:
                    if a.name == '*':
                        self.stars.append(module)
                    else:
                        into[a.asname or a.name] = ('from', module, a.name)
            elif isinstance(stmt, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                for t in targets:
                    for n in ast.walk(t):
                        if isinstance(n, ast.Name):
                            into[n.id] = ('value', stmt.value if t is n
                                          else None)
            elif isinstance(stmt, ast.If):
                if _type_checking(stmt.test):
                    self._collect(stmt.body, self.typing)
                else:
                    self._collect(stmt.body, into)
                    self._collect(stmt.orelse, into)
            elif isinstance(stmt, ast.Try):
                for part in (stmt.body, stmt.orelse, stmt.finalbody,
                             *[h.body for h in stmt.handlers]):
                    self._collect(part, into)
            elif isinstance(stmt, (ast.With, ast.For, ast.While)):
                self._collect(stmt.body, into)


class Humble:
    """The API table of Humble's Python packages under `root`, parsed on demand."""

    def __init__(self, root):
        self.root = Path(root)
        self.packages = {p.parent.name: p.parent for p in self.root.glob('*/*/__init__.py')}
        self._modules = {}
        self._class_info = {}

    def __contains__(self, module):
        return module.split('.')[0] in self.packages

    # Modules and their names.
    def module(self, name):
        """Return the HumbleModule `name`, or None where Humble has no such module."""
        if name in self._modules:
            return self._modules[name]
        parts = name.split('.')
        base = self.packages.get(parts[0])
        found = None
        if base is not None:
            path = base.joinpath(*parts[1:])
            if (path / '__init__.py').is_file():
                found = HumbleModule(name, path / '__init__.py', True)
            elif path.with_suffix('.py').is_file() and len(parts) > 1:
                found = HumbleModule(name, path.with_suffix('.py'), False)
        self._modules[name] = found
        return found

    def member(self, module, name, typing=False, _seen=None):
        """Return what `module.name` is in Humble: a symbol, OPAQUE, or MISSING."""
        mod = self.module(module)
        if mod is None:
            return MISSING
        seen = _seen or set()
        if (module, name) in seen:
            return OPAQUE
        seen.add((module, name))
        binding = mod.bindings.get(name) or (mod.typing.get(name) if typing else None)
        if binding is not None:
            return self._binding(mod, name, binding, seen)
        if self.module(f'{module}.{name}') is not None:
            return Mod(f'{module}.{name}')
        for star in mod.stars:
            if star in self:
                found = self.member(star, name, _seen=seen)
                if found is not MISSING:
                    return found
            else:
                return OPAQUE
        return MISSING

    def _binding(self, mod, name, binding, seen):
        kind = binding[0]
        if kind == 'def':
            return Func(mod.name, binding[1], f'{mod.name}.{name}')
        if kind == 'class':
            return Cls(mod.name, binding[1], f'{mod.name}.{name}')
        if kind == 'import':
            return Mod(binding[1]) if binding[1] in self else _real(binding[1])
        if kind == 'from':
            module, attr = binding[1], binding[2]
            if module not in self:
                return _real(module, attr)
            if self.module(f'{module}.{attr}') is not None:
                return Mod(f'{module}.{attr}')
            return self.member(module, attr, _seen=seen)
        value = binding[1]  # an alias (Node = LifecycleNode) or a value
        if isinstance(value, (ast.Name, ast.Attribute)):
            return self.expr(mod.name, value, seen) or OPAQUE
        if isinstance(value, ast.Call):
            made = self.expr(mod.name, value.func, seen)
            if isinstance(made, Cls):
                return Inst(made)
        return OPAQUE

    def expr(self, module, node, seen=None, typing=False):
        """Evaluate a name or attribute chain in a Humble module's namespace (None: unknown)."""
        if isinstance(node, ast.Name):
            found = self.member(module, node.id, typing=typing, _seen=set(seen or ()))
            if found is MISSING:
                return _builtin(node.id)
            return found
        if isinstance(node, ast.Attribute):
            base = self.expr(module, node.value, seen, typing)
            found = self.attribute(base, node.attr)
            return None if found is MISSING else found
        if isinstance(node, ast.Subscript):  # Generic[T], Optional[X]
            base = self.expr(module, node.value, seen, typing)
            if isinstance(base, Real) and getattr(base.obj, '_name', '') == 'Optional':
                return self.expr(module, node.slice, seen, typing)
            return base
        if isinstance(node, ast.Constant) and isinstance(node.value, str):  # 'Node'
            try:
                return self.expr(module, ast.parse(node.value, mode='eval').body, seen, True)
            except SyntaxError:
                return None
        return None

    # Classes.
    def info(self, cls):
        """Return (members, bases, open) of a Humble class: its own names and its bases."""
        key = cls.qualname or id(cls.node)
        if key in self._class_info:
            return self._class_info[key]
        members = {}
        for stmt in cls.node.body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                members.setdefault(stmt.name, stmt)
            elif isinstance(stmt, ast.ClassDef):
                members[stmt.name] = stmt
            elif isinstance(stmt, (ast.Assign, ast.AnnAssign)):
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                for t in targets:
                    if isinstance(t, ast.Name):
                        members[t.id] = OPAQUE
        for stmt in ast.walk(cls.node):  # instance attributes: self.x = ... in any method
            if isinstance(stmt, (ast.Assign, ast.AnnAssign)):
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                for t in targets:
                    for n in ast.walk(t):
                        if (isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name)
                                and n.value.id == 'self'):
                            members.setdefault(n.attr, OPAQUE)
        bases, is_open = [], '__getattr__' in members
        for b in cls.node.bases:
            base = self.expr(cls.module, b)
            if isinstance(base, (Cls, Real)):
                bases.append(base)
            else:
                is_open = True  # a base from the C extension, or unknown
        if not cls.node.bases:
            bases.append(Real(object))
        self._class_info[key] = (members, bases, is_open)
        return members, bases, is_open

    def mro(self, cls):
        """Yield the classes of `cls` and its bases (depth first), and whether one is open."""
        out, stack, is_open, seen = [], [cls], False, set()
        while stack:
            c = stack.pop(0)
            if isinstance(c, Real):
                out.append(c)
                continue
            if c.qualname in seen:
                continue
            seen.add(c.qualname)
            out.append(c)
            _, bases, o = self.info(c)
            is_open = is_open or o
            stack = bases + stack
        return out, is_open

    def class_member(self, cls, name, bound, start=0):
        """Look `name` up through the bases of `cls` (from position `start`)."""
        chain, is_open = self.mro(cls)
        for c in chain[start:]:
            if isinstance(c, Real):
                if isinstance(c.obj, type) and hasattr(c.obj, name):
                    return OPAQUE
                if not isinstance(c.obj, type):
                    is_open = True
                continue
            members = self.info(c)[0]
            if name not in members:
                continue
            m = members[name]
            if isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef)):
                decorators = _decorators(m)
                if 'property' in decorators:
                    return self.returns(Func(c.module, m, f'{c.qualname}.{name}', c)) or OPAQUE
                static = 'staticmethod' in decorators
                return Func(c.module, m, f'{c.qualname}.{name}', c,
                            bound=(bound or 'classmethod' in decorators) and not static)
            if isinstance(m, ast.ClassDef):
                return Cls(c.module, m, f'{c.qualname}.{name}')
            return OPAQUE
        return OPAQUE if is_open else MISSING

    def attribute(self, base, name):
        """Return `base.name` for a symbol: a symbol, OPAQUE, MISSING, or None (unknown)."""
        if isinstance(base, Mod):
            return self.member(base.name, name)
        if isinstance(base, Cls):
            return self.class_member(base, name, bound=False)
        if isinstance(base, Inst):
            return self.class_member(base.cls, name, bound=True)
        if isinstance(base, Real):
            return OPAQUE if hasattr(base.obj, name) else MISSING
        return None

    def returns(self, func):
        """Return the instance a function's return annotation names (None: unknown)."""
        named = RETURNS.get(func.qualname)
        if named is None and func.owner is not None:
            for c in self.mro(func.owner)[0]:
                if isinstance(c, Cls) and f'{c.qualname}.{func.node.name}' in RETURNS:
                    named = RETURNS[f'{c.qualname}.{func.node.name}']
        if named:
            module, _, name = named.rpartition('.')
            found = self.member(module, name)
            return Inst(found) if isinstance(found, Cls) else None
        if func.node.returns is None:
            return None
        found = self.expr(func.module, func.node.returns, typing=True)
        return Inst(found) if isinstance(found, Cls) else None

    def init(self, cls):
        """Return the bound __init__ of a Humble class, or None (object's, or unknown)."""
        found = self.class_member(cls, '__init__', bound=True)
        return found if isinstance(found, Func) else None

    # Signatures.
    def check_call(self, func, call, depth=0):
        """Return the problems of calling `func` with `call`'s arguments (a list of strings)."""
        a = func.node.args
        params = [p.arg for p in a.posonlyargs + a.args]
        if func.bound or func.node.name == '__init__':
            params = params[1:]
        problems = []
        if not a.vararg and not any(isinstance(x, ast.Starred) for x in call.args):
            if len(call.args) > len(params):
                problems.append(f'{len(call.args)} positional arguments, Humble takes '
                                f'{len(params)}: {signature(func)}')
        names = {p.arg for p in a.args + a.kwonlyargs}
        for kw in call.keywords:
            if kw.arg is None or kw.arg in names:
                continue
            if a.kwarg is None or not self.forwarded(func, kw.arg, depth):
                problems.append(f"keyword '{kw.arg}' is not in Humble's {signature(func)}")
        return problems

    def forwarded(self, func, keyword, depth):
        """Tell whether a function's **kwargs takes `keyword` where it passes them on."""
        if depth > 4:
            return True
        targets = []
        for call in ast.walk(func.node):
            if not isinstance(call, ast.Call) or not any(
                    k.arg is None and isinstance(k.value, ast.Name)
                    and k.value.id == func.node.args.kwarg.arg for k in call.keywords):
                continue
            target = self._callee(func, call.func)
            if target is None:
                return True  # passed somewhere this table cannot follow: assume it fits
            targets.append((target, call))
        if not targets:
            return True
        for target, call in targets:
            probe = ast.Call(func=call.func, args=[], keywords=[ast.keyword(arg=keyword)])
            if not self.check_call(target, probe, depth + 1):
                return True
        return False

    def _callee(self, func, node):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Call)
                and isinstance(node.value.func, ast.Name) and node.value.func.id == 'super'
                and func.owner is not None):
            found = self.class_member(func.owner, node.attr, bound=True, start=1)
        elif (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
              and node.value.id == 'self' and func.owner is not None):
            found = self.class_member(func.owner, node.attr, bound=True)
        else:
            found = self.expr(func.module, node)
            if isinstance(found, Func) and found.owner is not None:
                # Class.method(self, ...): unbound, self passed explicitly
                found = Func(found.module, found.node, found.qualname, found.owner, True)
        if isinstance(found, Cls):
            found = self.init(found)
        return found if isinstance(found, Func) else None


def signature(func):
    """Return `qualname(params)` of a Humble function, as its source spells it."""
    a = func.node.args
    parts = [p.arg for p in a.posonlyargs + a.args]
    if a.vararg:
        parts.append('*' + a.vararg.arg)
    elif a.kwonlyargs:
        parts.append('*')
    parts += [p.arg for p in a.kwonlyargs]
    if a.kwarg:
        parts.append('**' + a.kwarg.arg)
    return f"{func.qualname}({', '.join(parts)})"


def _real(module, attr=None):
    try:
        obj = importlib.import_module(module)
        return Real(getattr(obj, attr)) if attr else Real(obj)
    except (ImportError, AttributeError):
        return OPAQUE


def _builtin(name):
    import builtins
    return Real(getattr(builtins, name)) if hasattr(builtins, name) else None


# Our code.
@dataclass(eq=False)
class OurClass:
    """A class of this package: its bases, names and the self attributes it assigns."""

    name: str
    node: ast.ClassDef
    module: object  # its OurModule
    scope: object = None  # the scope the class statement is in
    members: set = field(default_factory=set)
    self_assigns: dict = field(default_factory=dict)  # attr -> [(expr, scope)]
    dynamic: bool = False  # setattr(self, <not a literal>, ...)


@dataclass(frozen=True)
class OurInst:
    cls: OurClass


@dataclass(frozen=True)
class Super:
    cls: OurClass


class Scope:
    """Names bound in one module or function: imports, classes, assignments, parameters."""

    def __init__(self, parent=None, cls=None):
        self.parent, self.cls = parent, cls  # cls: the OurClass of a method's `self`
        self.names = {}  # name -> list of ('import', ...) ('from', ...) ('class', OurClass)
        #                   ('assign', expr) ('self', OurClass) ('local',)

    def lookup(self, name):
        scope = self
        while scope is not None:
            if name in scope.names:
                return scope, scope.names[name]
            scope = scope.parent
        return None, None


class OurModule:
    """One file of this package, parsed, with its scopes."""

    def __init__(self, path, rel, name, text=None):
        self.path, self.rel, self.name = path, rel, name
        self.tree = ast.parse(path.read_text() if text is None else text, str(path))
        self.scope = Scope()
        self.classes = []
        self.scopes = {}  # function node -> Scope


class Walk:
    """
    Walks our files and reports every breach of Humble's API.

    `newer` ({name: where}): methods that only the installed (newer) packages define; a call
    or reference `x.name` on an object whose type the walk cannot tell is a breach too.
    """

    def __init__(self, humble, root, files, newer=None):
        self.humble, self.root, self.newer = humble, Path(root), newer or {}
        self.modules = []
        for path in files:
            path = Path(path)
            rel = path.relative_to(self.root).as_posix() if path.is_relative_to(self.root) \
                else path.name
            name = None
            if rel.startswith('alike_ros/'):
                name = rel[:-3].replace('/', '.').removesuffix('.__init__')
            elif rel.startswith('test/'):
                name = path.stem  # the tests import their helpers by file name
            self.modules.append(OurModule(path, rel, name))
        self.by_name = {m.name: m for m in self.modules if m.name}
        self.ours = defined_names([m.path for m in self.modules]) if self.newer else {}
        self.breaches = []
        self.checked = []  # (path, line, api) of every use resolved to Humble's table
        for m in self.modules:
            self._bind(m, m.tree.body, m.scope, None)

    # Binding pass: every scope's names, every class's members and self assignments.
    def _bind(self, mod, body, scope, cls):
        for stmt in body:
            self._bind_stmt(mod, stmt, scope, cls)

    def _add(self, scope, name, binding):
        scope.names.setdefault(name, []).append(binding)

    def _bind_stmt(self, mod, stmt, scope, cls):
        if isinstance(stmt, ast.Import):
            for a in stmt.names:
                if a.asname:
                    self._add(scope, a.asname, ('import', a.name))
                else:
                    self._add(scope, a.name.split('.')[0], ('import', a.name.split('.')[0]))
        elif isinstance(stmt, ast.ImportFrom):
            module = stmt.module or ''
            if stmt.level and mod.name:
                base = mod.name.rsplit('.', stmt.level)[0]
                module = f'{base}.{module}' if module else base
            for a in stmt.names:
                self._add(scope, a.asname or a.name, ('from', module, a.name))
        elif isinstance(stmt, ast.ClassDef):
            ours = OurClass(stmt.name, stmt, mod, scope)
            mod.classes.append(ours)
            self._add(scope, stmt.name, ('class', ours))
            self._bind(mod, stmt.body, Scope(scope), ours)
            for s in stmt.body:
                if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    ours.members.add(s.name)
                elif isinstance(s, (ast.Assign, ast.AnnAssign)):
                    for t in (s.targets if isinstance(s, ast.Assign) else [s.target]):
                        ours.members.update(n.id for n in ast.walk(t) if isinstance(n, ast.Name))
        elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            if not isinstance(stmt, ast.Lambda):
                self._add(scope, stmt.name, ('local',))
            # A method's scope sees the module (or enclosing function), not the class body.
            inner = Scope(scope.parent if cls is not None else scope)
            mod.scopes[stmt] = inner
            a = stmt.args
            params = a.posonlyargs + a.args + a.kwonlyargs + [p for p in (a.vararg, a.kwarg) if p]
            for i, p in enumerate(params):
                self._add(inner, p.arg, ('local',))
            method = (cls is not None and not isinstance(stmt, ast.Lambda)
                      and 'staticmethod' not in _decorators(stmt) and params)
            if method:
                inner.names[params[0].arg] = [('self', cls)]
                inner.cls = cls
            elif scope.cls is not None:
                inner.cls = scope.cls
            body = stmt.body if isinstance(stmt.body, list) else []
            self._bind(mod, body, inner, None)
            for node in ast.walk(stmt):
                if isinstance(node, ast.Lambda) and node is not stmt and node not in mod.scopes:
                    self._bind_stmt(mod, node, inner, None)
            if method:
                self._self_assigns(cls, stmt, inner, params[0].arg)
        elif isinstance(stmt, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            for t in targets:
                simple = isinstance(t, ast.Name)
                for n in ast.walk(t):
                    if isinstance(n, ast.Name):
                        value = stmt.value if simple else None
                        self._add(scope, n.id, ('assign', value) if value is not None
                                  else ('local',))
            self._bind_expr(mod, stmt.value, scope)
        elif isinstance(stmt, (ast.For, ast.AsyncFor, ast.With, ast.AsyncWith)):
            targets = ([stmt.target] if isinstance(stmt, (ast.For, ast.AsyncFor)) else
                       [i.optional_vars for i in stmt.items if i.optional_vars is not None])
            for t in targets:
                if isinstance(t, ast.Name) and isinstance(stmt, (ast.For, ast.AsyncFor)):
                    self._add(scope, t.id, ('each', stmt.iter))  # an element of stmt.iter
                    continue
                for n in ast.walk(t):
                    if isinstance(n, ast.Name):
                        self._add(scope, n.id, ('local',))
            for part in ('body', 'orelse'):
                self._bind(mod, getattr(stmt, part, []), scope, cls)
        elif isinstance(stmt, (ast.If, ast.While, ast.Try)):
            for part in ('body', 'orelse', 'finalbody'):
                self._bind(mod, getattr(stmt, part, []), scope, cls)
            for h in getattr(stmt, 'handlers', []):
                if h.name:
                    self._add(scope, h.name, ('local',))
                self._bind(mod, h.body, scope, cls)
        elif isinstance(stmt, ast.Expr):
            self._bind_expr(mod, stmt.value, scope)
        elif isinstance(stmt, ast.Return) and stmt.value is not None:
            self._bind_expr(mod, stmt.value, scope)

    def _bind_expr(self, mod, expr, scope):
        for node in ast.walk(expr) if expr is not None else ():
            if isinstance(node, ast.Lambda) and node not in mod.scopes:
                self._bind_stmt(mod, node, scope, None)
            elif isinstance(node, ast.NamedExpr):
                self._add(scope, node.target.id, ('assign', node.value))
            elif isinstance(node, ast.comprehension):
                if isinstance(node.target, ast.Name):
                    self._add(scope, node.target.id, ('each', node.iter))
                    continue
                for n in ast.walk(node.target):
                    if isinstance(n, ast.Name):
                        self._add(scope, n.id, ('local',))

    def _self_assigns(self, cls, func, scope, me):
        for node in ast.walk(func):
            if isinstance(node, (ast.Assign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for t in targets:
                    for n in ast.walk(t):
                        if (isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name)
                                and n.value.id == me):
                            simple = t is n
                            cls.self_assigns.setdefault(n.attr, []).append(
                                (node.value if simple else None, scope))
            elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                  and node.func.id == 'setattr' and node.args
                  and isinstance(node.args[0], ast.Name) and node.args[0].id == me):
                name = node.args[1] if len(node.args) > 1 else None
                if isinstance(name, ast.Constant) and isinstance(name.value, str):
                    cls.self_assigns.setdefault(name.value, []).append((None, scope))
                else:
                    cls.dynamic = True

    # Evaluation: what an expression of our code is (a symbol), or None (unknown).
    def value(self, node, scope, depth=0):
        if depth > 12:
            return None
        if isinstance(node, ast.Name):
            where, bindings = scope.lookup(node.id)
            if bindings is None:
                return Real(object) if node.id == 'object' else None
            return self._binding_value(bindings, where, depth)
        if isinstance(node, ast.Attribute):
            base = self.value(node.value, scope, depth + 1)
            found = self.attribute(base, node.attr, depth)
            return found if found not in (MISSING, OPAQUE) else None
        if isinstance(node, ast.Call):
            if isinstance(node.func, ast.Name) and node.func.id == 'super' and scope.cls:
                return Super(scope.cls)
            return self.result(self.value(node.func, scope, depth + 1))
        return None

    def _binding_value(self, bindings, scope, depth):
        strong = [b for b in bindings if b[0] in ('import', 'from', 'class', 'self')]
        if strong:
            return self._strong(strong[-1])
        if any(b[0] == 'local' for b in bindings):
            return None
        found = {self._assigned(b[1], scope, depth) if b[0] == 'assign' else
                 self._element(b[1], scope, depth) for b in bindings}
        found.discard('none')
        return found.pop() if len(found) == 1 else None

    def _element(self, expr, scope, depth):
        """Return the type of every element of a list or tuple (a literal, or a name of one)."""
        if isinstance(expr, ast.Name):
            _, bindings = scope.lookup(expr.id)
            literals = [b[1] for b in bindings or [] if b[0] == 'assign']
            if not bindings or len(literals) != len(bindings):
                return None
            found = {self._element(x, scope, depth + 1) for x in literals}
            return found.pop() if len(found) == 1 else None
        if isinstance(expr, (ast.List, ast.Tuple, ast.Set)) and expr.elts and depth < 12:
            found = {self._assigned(e, scope, depth + 1) for e in expr.elts}
            found.discard('none')
            return found.pop() if len(found) == 1 else None
        return None

    def _assigned(self, expr, scope, depth):
        if isinstance(expr, ast.Constant) and expr.value is None:
            return 'none'
        found = self.value(expr, scope, depth + 1)
        return found if isinstance(found, (Inst, OurInst)) else None

    def _strong(self, b):
        kind = b[0]
        if kind == 'import':
            return Mod(b[1]) if b[1] in self.humble else self.by_name.get(b[1])
        if kind == 'from':
            module, name = b[1], b[2]
            if module in self.humble:
                found = self.humble.member(module, name)
                return found if found not in (MISSING, OPAQUE) else None
            ours = self.by_name.get(module)
            if ours is not None:
                local = ours.scope.names.get(name)
                classes = [x for x in local or [] if x[0] == 'class']
                return classes[-1][1] if classes else None
            return None
        if kind == 'class':
            return b[1]
        return OurInst(b[1])  # self

    def result(self, callee):
        """Return what calling `callee` gives."""
        if isinstance(callee, Cls):
            return Inst(callee)
        if isinstance(callee, Func):
            return self.humble.returns(callee)
        if isinstance(callee, OurClass):
            return OurInst(callee)
        return None

    # Our classes.
    def our_bases(self, cls):
        """Return ([our base classes], [Humble bases], open) of one of our classes."""
        ours, humble, is_open = [], [], False
        for b in cls.node.bases:
            found = self.value(b, cls.scope)
            if isinstance(found, OurClass):
                ours.append(found)
            elif isinstance(found, (Cls, Real)):
                humble.append(found)
            else:
                is_open = True
        return ours, humble, is_open

    def our_member(self, cls, name, depth=0, skip_self=False):
        """Look `name` up for one of our classes: ours first, then Humble's bases."""
        ours, humble, is_open = self.our_bases(cls)
        if not skip_self and (name in cls.members or name in cls.self_assigns):
            return 'ours', cls
        for base in ours:
            kind, found = self.our_member(base, name, depth)
            if kind != 'missing':
                return kind, found
            is_open = is_open or found == 'open'
        for base in humble:
            found = (self.humble.class_member(base, name, bound=True)
                     if isinstance(base, Cls) else
                     (OPAQUE if hasattr(base.obj, name) else MISSING))
            if found is not MISSING:
                return 'humble', found
        return 'missing', 'open' if is_open else 'closed'

    def derives_from_humble(self, cls, seen=()):
        ours, humble, _ = self.our_bases(cls)
        return any(isinstance(h, Cls) for h in humble) or any(
            self.derives_from_humble(o, seen + (cls,)) for o in ours if o not in seen)

    def _dynamic(self, cls):
        return cls.dynamic or any(self._dynamic(o) for o in self.our_bases(cls)[0])

    def attribute(self, base, name, depth=0):
        if isinstance(base, (OurInst, Super, OurClass)):
            cls = base if isinstance(base, OurClass) else base.cls
            kind, found = self.our_member(cls, name, depth, skip_self=isinstance(base, Super))
            if kind == 'ours':
                if isinstance(base, OurInst):
                    types = {self._assigned(e, s, depth + 1) if e is not None else None
                             for e, s in found.self_assigns.get(name, [])}
                    types.discard('none')
                    if len(types) == 1 and name not in found.members:
                        return types.pop() or OPAQUE
                return OPAQUE
            if kind == 'humble':
                return found
            return MISSING if found == 'closed' and self.derives_from_humble(cls) else OPAQUE
        return self.humble.attribute(base, name) if base is not None else None

    # Checking pass.
    def run(self):
        for m in self.modules:
            m.called = {id(c.func) for c in ast.walk(m.tree) if isinstance(c, ast.Call)}
            self._check(m, m.tree, m.scope, [])
        return self.breaches

    def _report(self, mod, node, api, problem, guards):
        handlers = [(h.body[0].lineno, h.body[-1].end_lineno) for h in guards]
        self.breaches.append(Breach(mod.rel, node.lineno, api, problem, bool(guards), handlers))

    def _check(self, mod, node, scope, guards):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            scope = mod.scopes.get(node, scope)
        if isinstance(node, ast.Try):
            caught = [h for h in node.handlers if _catches(h)]
            for stmt in node.body:
                self._check(mod, stmt, scope, guards + caught)
            for part in (node.handlers, node.orelse, node.finalbody):
                for stmt in part:
                    self._check(mod, stmt, scope, guards)
            return
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name in self.humble and self.humble.module(a.name) is None:
                    self._report(mod, node, a.name, 'no such module in Humble', guards)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level \
                and node.module in self.humble:
            if self.humble.module(node.module) is None:
                self._report(mod, node, node.module, 'no such module in Humble', guards)
            else:
                for a in node.names:
                    self.checked.append((mod.rel, node.lineno, f'{node.module}.{a.name}'))
                    if self.humble.member(node.module, a.name) is MISSING:
                        self._report(mod, node, f'{node.module}.{a.name}',
                                     f'{node.module} has no {a.name} in Humble', guards)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
            self._check_attribute(mod, node, scope, guards)
        elif isinstance(node, ast.Call):
            self._check_call(mod, node, scope, guards)
        for child in ast.iter_child_nodes(node):
            self._check(mod, child, scope, guards)

    def _check_attribute(self, mod, node, scope, guards):
        base = self.value(node.value, scope)
        if base is None:
            if node.attr in self.newer and node.attr not in self.ours:
                self._report(mod, node, f'.{node.attr}', f'only the newer {self.newer[node.attr]} '
                             'defines it, nothing in Humble (the object is not typed here)',
                             guards)
            return
        found = self.attribute(base, node.attr)
        if found is not MISSING:
            if isinstance(found, (Mod, Cls, Func, Inst)) or (
                    found is OPAQUE and isinstance(base, (Mod, Cls, Inst))):
                self.checked.append((mod.rel, node.lineno, f'{_describe(base)}.{node.attr}'))
            return
        if isinstance(base, (OurInst, Super, OurClass)):
            cls = base if isinstance(base, OurClass) else base.cls
            if self._dynamic(cls) and id(node) not in mod.called:
                return  # an attribute it may set with setattr: only calls are checked
            api = f'{_humble_names(self, cls)}.{node.attr}'
        else:
            api = f'{_describe(base)}.{node.attr}'
        self._report(mod, node, api, 'not in Humble', guards)

    def _check_call(self, mod, node, scope, guards):
        callee = self.value(node.func, scope)
        if isinstance(callee, Cls):
            name, callee = callee.qualname, self.humble.init(callee)
        elif isinstance(callee, OurClass):
            kind, found = self.our_member(callee, '__init__')
            if kind != 'humble' or not isinstance(found, Func):
                return
            name, callee = f'{callee.name}() -> {found.qualname}', found
        elif isinstance(callee, Func):
            name = callee.qualname
        else:
            return
        if callee is None:
            return
        self.checked.append((mod.rel, node.lineno, f'call {signature(callee)}'))
        for problem in self.humble.check_call(callee, node):
            self._report(mod, node, name, problem, guards)


def _catches(handler):
    if handler.type is None:
        return False
    names = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any(isinstance(n, ast.Name) and n.id in GUARDS for n in names)


def _describe(symbol):
    if isinstance(symbol, Mod):
        return symbol.name
    if isinstance(symbol, Cls):
        return symbol.qualname
    if isinstance(symbol, Inst):
        return symbol.cls.qualname
    if isinstance(symbol, Func):
        return symbol.qualname
    return repr(symbol)


def _humble_names(walk, cls):
    _, humble, _ = walk.our_bases(cls)
    names = [h.qualname for h in humble if isinstance(h, Cls)]
    for o in walk.our_bases(cls)[0]:
        names.append(_humble_names(walk, o))
    return f"{cls.name}({', '.join(n for n in names if n)})"


def package_files(root):
    """Return the files a robot runs: alike_ros/, launch/ and test/ (Python)."""
    root = Path(root)
    files = sorted(root.glob('alike_ros/**/*.py')) + sorted(root.glob('launch/*.py'))
    return files + sorted(root.glob('test/*.py'))


def newer_methods(humble):
    """Return {name: where} of the methods the installed packages have and Humble's do not."""
    paths, where = [], {}
    for package in humble.packages:
        spec = importlib.util.find_spec(package)  # a top-level package: not imported
        for folder in (spec.submodule_search_locations or []) if spec else []:
            for path in Path(folder).rglob('*.py'):
                paths.append(path)
                where[str(path)] = f'{package}/{path.relative_to(folder).as_posix()}'
    known = defined_names([p for d in humble.packages.values() for p in d.rglob('*.py')])
    newer = {}
    for name, at in defined_names(paths, functions_only=True).items():
        if name not in known and not name.startswith('_'):
            path, _, line = at.rpartition(':')
            newer[name] = f'{where[path]}:{line}'
    return newer


def check(root, humble_root, files=None, newer=True):
    """Return the breaches of Humble's API in `files` (default: package_files(root))."""
    humble = Humble(humble_root)
    walk = Walk(humble, root, files if files is not None else package_files(root),
                newer_methods(humble) if newer else None)
    return walk.run()


def split(breaches):
    """Return (breaches, fallbacks): fallbacks are the guarded ones in compat.py."""
    bad = [b for b in breaches if not (b.fallback and b.path == COMPAT)]
    return bad, [b for b in breaches if b.fallback and b.path == COMPAT]


def defined_names(paths, functions_only=False):
    """Return {name: where} for every function, class and attribute the files define."""
    names = {}
    for path in paths:
        try:
            tree = ast.parse(Path(path).read_text(), str(path))
        except (SyntaxError, UnicodeDecodeError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and functions_only:
                if not _decorators(node) & {'property', 'setter', 'getter', 'deleter'}:
                    names.setdefault(node.name, f'{path}:{node.lineno}')
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.setdefault(node.name, f'{path}:{node.lineno}')
            elif isinstance(node, (ast.Assign, ast.AnnAssign)) and not functions_only:
                for t in node.targets if isinstance(node, ast.Assign) else [node.target]:
                    for n in ast.walk(t):
                        if isinstance(n, ast.Name):
                            names.setdefault(n.id, f'{path}:{node.lineno}')
                        elif isinstance(n, ast.Attribute):
                            names.setdefault(n.attr, f'{path}:{node.lineno}')
    return names
