"""The one error type of the engine, worded as Go and Helm word it.

A template error names the template, the line and column (columns count bytes, as Go's
do), and what failed. Errors raised inside ``include`` or ``tpl`` keep the inner error as
``cause``, so both Go's one-line form (``str(error)``) and Helm's multi-line form
(:meth:`TemplateError.helm_message`) can be produced.
"""

from __future__ import annotations


class TemplateError(Exception):
    """A template could not be parsed or executed.

    Attributes: ``template`` (the template's name), ``line`` and ``column`` (1-based line;
    byte column as Go counts it, 0 when unknown), ``message`` (what went wrong, without
    the location), ``context`` (the expression being evaluated, as Go prints it),
    ``executing`` (the template being executed), ``parse`` (a syntax error rather than an
    execution error), ``fail_message`` (set when ``fail`` or ``required`` stopped the
    template: the chart author's own words), ``cause`` (the error inside
    ``include``/``tpl``, if any), ``go_error`` (a function returned the error: Helm then
    prints Go's one-line message unchanged).
    """

    def __init__(
        self,
        text: str,
        *,
        template: str = "",
        line: int = 0,
        column: int = 0,
        message: str = "",
        context: str = "",
        executing: str = "",
        parse: bool = False,
        fail_message: str | None = None,
        cause: TemplateError | None = None,
        go_error: bool = False,
    ) -> None:
        super().__init__(text)
        self.text = text
        self.template = template
        self.line = line
        self.column = column
        self.message = message or text
        self.context = context
        self.executing = executing
        self.parse = parse
        self.fail_message = fail_message
        self.cause = cause
        self.go_error = go_error

    def __str__(self) -> str:
        return self.text

    @property
    def location(self) -> str:
        """``name:line:col`` (or ``name:line`` for syntax errors, as Go reports them)."""
        if self.parse or (not self.column and not self.context):
            return f"{self.template}:{self.line}"
        return f"{self.template}:{self.line}:{self.column}"

    def root_cause(self) -> TemplateError:
        """The innermost error: where the failure really happened."""
        e = self
        while e.cause is not None:
            e = e.cause
        return e

    def chain(self) -> list[TemplateError]:
        """This error and the errors it wraps, outermost first."""
        out: list[TemplateError] = []
        e: TemplateError | None = self
        while e is not None:
            out.append(e)
            e = e.cause
        return out

    def failed_by_template(self) -> TemplateError | None:
        """The ``fail``/``required`` error in the chain, if the chart author raised one."""
        for e in self.chain():
            if e.fail_message is not None:
                return e
        return None

    def helm_message(self) -> str:
        """The message ``helm template`` prints for this error (after ``Error: ``)."""
        if self.parse:
            last = self.text.split(": ")[-1]
            return f"parse error at ({self.location}): {last}"
        failed = self.failed_by_template()
        if failed is not None:
            return f"execution error at ({self.location}): {failed.fail_message}"
        parts: list[str] = []
        prev: tuple[str, str, str] | None = None
        for e in self.chain():
            if e.go_error:
                # Helm cannot take Go's own error apart and prints it whole.
                return self.text
            if e.parse or not e.line:
                item = ("", "", e.text)
            elif e.context or e.executing:
                item = (
                    e.location,
                    f'executing "{e.executing}" at <{e.context}>:',
                    _first_segment(e.message),
                )
            else:
                item = (e.location, "", _first_segment(e.message))
            if item != prev:
                loc, fn, msg = item
                s = ""
                if loc:
                    s += f"{loc}\n  "
                if fn:
                    s += f"{fn}\n    "
                if msg:
                    s += f"{msg}\n"
                parts.append(s)
            prev = item
        return "".join(parts).strip()


def _first_segment(message: str) -> str:
    """Helm cuts a wrapped message at the nested ``template:`` error it quotes."""
    cut = message.find(" template:")
    return message if cut < 0 else message[:cut]
