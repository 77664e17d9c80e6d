"""The command line: build, check, serve and new. Exit 0 on success, 1 for content problems,
2 for usage errors; every problem is one `path:line: message` line on stderr."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from .options import DEFAULT_BASE_URL, DEFAULT_CONTENT, DEFAULT_OUT, BuildOptions, UsageError, check_output_folder, parse_base_url
from .problems import ContentErrors, display_path

EXIT_OK, EXIT_CONTENT, EXIT_USAGE = 0, 1, 2


class Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse's default exit code is already 2; keep it one line
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def port_number(value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a port number (1-65535)") from None
    if not 0 < port < 65536:
        raise argparse.ArgumentTypeError(f"{value} is not a port number (1-65535)")
    return port


def base_url(value: str) -> str:
    try:
        return parse_base_url(value)
    except UsageError as err:
        raise argparse.ArgumentTypeError(str(err).split(": ", 1)[1]) from None


def make_parser() -> Parser:
    parser = Parser(prog="build.py", description="Build the EarnVerdict site from content/ into site/.")
    commands = parser.add_subparsers(dest="command", parser_class=Parser, metavar="{build,check,serve,new}")

    build = commands.add_parser("build", help="build the site (the default command)")
    build.add_argument("--content", type=Path, default=DEFAULT_CONTENT, help="content folder (default: content/)")
    build.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder (default: site/)")
    build.add_argument("--base-url", type=base_url, default=DEFAULT_BASE_URL, help=f"public URL of the site (default: {DEFAULT_BASE_URL})")
    build.add_argument("--drafts", action="store_true", help="include guides marked draft: true")

    check = commands.add_parser("check", help="validate everything and write nothing")
    check.add_argument("--content", type=Path, default=DEFAULT_CONTENT, help="content folder (default: content/)")

    serve = commands.add_parser("serve", help="build, serve on 127.0.0.1 and rebuild with live reload on every change")
    serve.add_argument("--port", type=port_number, default=8000, help="port (default: 8000)")
    serve.add_argument("--content", type=Path, default=DEFAULT_CONTENT, help="content folder (default: content/)")

    new = commands.add_parser("new", help="write a new guide with valid frontmatter and print its path")
    new.add_argument("title", help="the guide's title, in quotes")
    new.add_argument("--role", help="the role slug the guide is about (e.g. backend-developer)")
    new.add_argument("--kind", help="the kind of guide (e.g. how-to-earn-more, best-skills)")
    new.add_argument("--content", type=Path, default=DEFAULT_CONTENT, help="content folder (default: content/)")
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0].startswith("-") and argv[0] not in ("-h", "--help")):
        argv.insert(0, "build")  # `python build.py` and `python build.py --out X` mean build
    args = make_parser().parse_args(argv)
    try:
        if args.command == "build":
            check_output_folder(args.out, args.content)
            return run_build(BuildOptions(content_dir=args.content, out_dir=args.out, base_url=args.base_url, drafts=args.drafts))
        if args.command == "check":
            return run_check(BuildOptions(content_dir=args.content))
        if args.command == "serve":
            from .serve import serve

            return serve(args.content, args.port)
        if args.command == "new":
            from .scaffold import new_guide

            return new_guide(args.content, args.title, args.role, args.kind)
    except KeyboardInterrupt:
        return EXIT_OK
    except UsageError as err:
        print(f"build.py: error: {err}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as err:  # a full disk, a read-only folder: one line, and the old site stands
        where = f" {err.filename}" if err.filename else ""
        print(f"build.py: error:{where}: {err.strerror or err}", file=sys.stderr)
        return EXIT_CONTENT
    return EXIT_USAGE


def report_problems(err: ContentErrors) -> int:
    for problem in err.problems:
        print(problem, file=sys.stderr)
    count = len(err.problems)
    print(f"{count} problem{'s' if count != 1 else ''} found; nothing was written", file=sys.stderr)
    return EXIT_CONTENT


def run_build(options: BuildOptions) -> int:
    from .pipeline import build

    started = time.perf_counter()
    try:
        report = build(options)
    except ContentErrors as err:
        return report_problems(err)
    seconds = time.perf_counter() - started
    if report.up_to_date:
        print(f"{display_path(options.out_dir)}: up to date ({report.pages} pages, {seconds:.2f}s)")
    else:
        print(f"built {report.pages} pages into {display_path(options.out_dir)} ({report.rendered} rendered, {report.written} files written, {seconds:.2f}s)")
    if options.base_path != "/":
        print(subpath_note(display_path(options.out_dir), options.base_path))
    return EXIT_OK


def subpath_note(out: str, base_path: str) -> str:
    """Hosts read _headers and robots.txt only at the root of what they publish."""
    return (f"note: the site lives under {base_path}: publish {out}/ as {base_path} and move {out}/_headers and "
            f"{out}/robots.txt to the host's root (their rules already name {base_path})")


def run_check(options: BuildOptions) -> int:
    """Validate as `build` would, and drafts too (as `serve` shows them); write nothing."""
    from dataclasses import replace

    from .pipeline import build

    problems, pages = set(), 0
    for drafts in (False, True):
        try:
            pages = build(replace(options, drafts=drafts), write=False).pages
        except ContentErrors as err:
            problems.update(err.problems)
    if problems:
        for problem in sorted(problems):
            print(problem, file=sys.stderr)
        print(f"{len(problems)} problem{'s' if len(problems) != 1 else ''} found", file=sys.stderr)
        return EXIT_CONTENT
    print(f"{display_path(options.content_dir)}: {pages} pages, no problems")
    return EXIT_OK
