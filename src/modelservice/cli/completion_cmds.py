"""Shell completion: ``completion bash|zsh|fish`` prints a script, and the script asks the
hidden ``__complete`` command for candidates (as Helm's and kubectl's completions ask
theirs; ``main`` hands it the words before any parsing), so that commands, flags, flag
values, preset names and release names are completed by one implementation for every
shell.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from modelservice.cli.common import EXIT_OK, HelpFormatter, dedent

#: Printed alone when the shell should complete file names itself.
FILES = ":files"

#: Commands whose RELEASE argument names an existing release: completed from the cluster.
_EXISTING_RELEASE = ("upgrade", "diff", "status", "history", "rollback", "uninstall")
#: Flags whose value is a file or directory.
_PATH_FLAGS = ("-f", "--values", "--output-dir", "--kubeconfig", "--set-file", "--preset-dir")

_SCRIPTS = {
    "bash": """\
        # modelservice completion for bash: source it, e.g. in ~/.bashrc:
        #   source <(modelservice completion bash)
        _modelservice() {
            local cur="${COMP_WORDS[COMP_CWORD]}" IFS=$'\\n' out
            out=$(modelservice __complete "${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null)
            if [[ "$out" == ":files" ]]; then
                COMPREPLY=($(compgen -f -- "$cur"))
            else
                COMPREPLY=($(compgen -W "$out" -- "$cur"))
            fi
        }
        complete -o default -F _modelservice modelservice
        """,
    "zsh": """\
        #compdef modelservice
        # modelservice completion for zsh: source it, e.g. in ~/.zshrc:
        #   source <(modelservice completion zsh)
        _modelservice() {
            local -a candidates
            candidates=("${(@f)$(modelservice __complete "${(@)words[2,CURRENT]}" 2>/dev/null)}")
            if [[ "${candidates[1]}" == ":files" ]]; then
                _files
            else
                compadd -a candidates
            fi
        }
        compdef _modelservice modelservice
        """,
    "fish": """\
        # modelservice completion for fish: source it, e.g.
        #   modelservice completion fish > ~/.config/fish/completions/modelservice.fish
        function __modelservice_complete
            set -l words (commandline -opc) (commandline -ct)
            set -e words[1]
            set -l out (modelservice __complete $words 2>/dev/null)
            if test "$out[1]" = ":files"
                __fish_complete_path (commandline -ct)
            else
                printf '%s\\n' $out
            end
        end
        complete -c modelservice -f -a '(__modelservice_complete)'
        """,
}


def _add_completion(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "completion",
        formatter_class=HelpFormatter,
        description=dedent("""\
            Print a completion script for your shell. It completes commands, flags, flag
            values, preset names, and the names of the releases in the namespace (asked
            of the cluster, for commands that act on an existing release).

            examples:
              source <(modelservice completion bash)      # in ~/.bashrc
              source <(modelservice completion zsh)       # in ~/.zshrc
              modelservice completion fish > ~/.config/fish/completions/modelservice.fish
            """),
    )
    p.add_argument("shell", choices=sorted(_SCRIPTS), metavar="SHELL", help="bash, zsh or fish")
    p.set_defaults(func=cmd_completion)


_BUILDERS = {"completion": _add_completion}


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser], command: str) -> None:
    """Add the parser of ``command`` (one of this module's) to ``sub``."""
    _BUILDERS[command](sub)


def cmd_completion(args: argparse.Namespace) -> int:
    sys.stdout.write(dedent(_SCRIPTS[args.shell]))
    return EXIT_OK


def print_candidates(words: Sequence[str]) -> int:
    """``modelservice __complete WORDS...``: the candidates, one per line."""
    for word in candidates(words):
        print(word)
    return EXIT_OK


def candidates(words: Sequence[str]) -> list[str]:
    """What may come in place of the last of ``words`` (the command line after
    ``modelservice``, the last word being the one under the cursor, maybe empty)."""
    from modelservice.cli.main import COMMANDS, GLOBAL_FLAGS, command_of

    words = list(words) or [""]
    done, current = words[:-1], words[-1]
    command = command_of(done)
    if command not in COMMANDS:
        if current.startswith("-"):
            flags = ["--version", *(o for opts in GLOBAL_FLAGS.values() for o in opts)]
            return _starting(current, flags)
        return _starting(current, [c for c in COMMANDS if not c.startswith("_")])
    parser = _command_parser(command)
    actions = {o: a for a in parser._actions for o in a.option_strings}
    previous = done[-1] if done else ""
    action = actions.get(previous)
    if action is not None and action.nargs != 0:
        values = _flag_values(previous, action, done)
        return values if values == [FILES] else _starting(current, values)
    if current.startswith("-"):
        return _starting(current, sorted(actions))
    return _positional(command, parser, done, current)


def _starting(prefix: str, words: Sequence[str]) -> list[str]:
    return [w for w in words if w.startswith(prefix)]


def _command_parser(command: str) -> argparse.ArgumentParser:
    from modelservice.cli.main import _command_module

    holder = argparse.ArgumentParser(prog="modelservice", add_help=False)
    sub = holder.add_subparsers()
    _command_module(command).register(sub, command)
    parser: argparse.ArgumentParser = sub.choices[command]
    return parser


def _flag_values(flag: str, action: argparse.Action, done: Sequence[str]) -> list[str]:
    if action.choices is not None:
        return [str(c) for c in action.choices]
    if flag in _PATH_FLAGS:
        return [FILES]
    if flag == "--preset":
        return _preset_names(done)
    return []


def _positional(
    command: str, parser: argparse.ArgumentParser, done: Sequence[str], current: str
) -> list[str]:
    """Sub-commands, choices of the next positional argument, and release names."""
    after = list(done[done.index(command) + 1 :])
    given = _positionals_given(parser, after)
    sub = next((a for a in parser._actions if isinstance(a, argparse._SubParsersAction)), None)
    if sub is not None and given == 0:
        return _starting(current, sorted(sub.choices))
    if command == "presets" and given == 1 and after and after[0] == "show":
        return _starting(current, _preset_names(done))
    positionals = [a for a in parser._actions if not a.option_strings and a.dest != "help"]
    choices = positionals[given].choices if given < len(positionals) else None
    if choices is not None:
        return _starting(current, [str(c) for c in choices])
    if command in _EXISTING_RELEASE and given == 0:
        return _starting(current, _release_names(done))
    return []


def _positionals_given(parser: argparse.ArgumentParser, words: Sequence[str]) -> int:
    """How many positional arguments ``words`` hold (flag values skipped)."""
    takes_value = {o for a in parser._actions if a.nargs != 0 for o in a.option_strings}
    count, skip = 0, False
    for word in words:
        if skip:
            skip = False
        elif word.startswith("-"):
            skip = word in takes_value
        else:
            count += 1
    return count


def _flag_value(words: Sequence[str], *flags: str) -> str | None:
    """The last value given to one of ``flags`` in ``words`` (``-n x`` or ``--namespace=x``)."""
    found = None
    for i, word in enumerate(words):
        name, eq, value = word.partition("=")
        if name in flags:
            if eq:
                found = value
            elif i + 1 < len(words):
                found = words[i + 1]
    return found


def _preset_names(words: Sequence[str]) -> list[str]:
    from modelservice.errors import ModelServiceError
    from modelservice.presets import env_preset_dirs, list_presets

    dirs = [d for d in [_flag_value(words, "--preset-dir")] if d] + env_preset_dirs()
    try:
        return [p.name for p in list_presets(dirs)]
    except ModelServiceError:
        return [p.name for p in list_presets()]


def _release_names(words: Sequence[str]) -> list[str]:
    """The releases in the namespace the command line names (or the context's), asked of
    the cluster with a short timeout; none when the cluster cannot be asked."""
    from modelservice.cluster.client import Cluster
    from modelservice.cluster.release import list_releases
    from modelservice.errors import ModelServiceError

    try:
        cluster = Cluster(
            kubeconfig=_flag_value(words, "--kubeconfig"),
            context=_flag_value(words, "--kube-context"),
            namespace=_flag_value(words, "-n", "--namespace"),
            timeout=2.0,
        )
        return [r.name for r in list_releases(cluster, namespace=cluster.namespace)]
    except ModelServiceError:
        return []
