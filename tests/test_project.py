"""The project's promises about itself: README commands, CI, ontology as source of truth."""
from __future__ import annotations

import re
from pathlib import Path

from rdflib import Graph, URIRef

ROOT = Path(__file__).resolve().parent.parent


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    block = re.search(r"```bash\n(.*?)```", text, re.S).group(1)
    return [line for line in block.splitlines() if line.strip() and not line.startswith("#")]


def test_readme_starts_with_two_commands_main_job_then_tests():
    text = (ROOT / "README.md").read_text()
    assert text.index("```bash") < 200, "the commands come first"
    commands = readme_commands()
    assert len(commands) == 2
    assert "kg build examples/corpus" in commands[0]
    assert "pytest" in commands[1]


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    assert readme_commands()[1] in ci.splitlines()


def test_every_kgo_term_used_in_code_is_declared_in_the_ontology():
    ontology = Graph().parse(ROOT / "ontology" / "kg.ttl")
    declared = {str(s) for s in ontology.subjects()}
    used: set[str] = set()
    for path in (ROOT / "kg").rglob("*.py"):
        used |= {f"https://w3id.org/kg-lit/ontology#{t}" for t in re.findall(r"KGO\.(\w+)", path.read_text())}
        used |= {f"https://w3id.org/kg-lit/ontology#{t}" for t in re.findall(r'T\["(\w+)"\]', path.read_text())}
    for path in list((ROOT / "kg").rglob("*.rq")) + list((ROOT / "kg").rglob("*.py")):
        used |= {f"https://w3id.org/kg-lit/ontology#{t}" for t in re.findall(r"\bkgo:(\w+)", path.read_text())}
    missing = sorted(u for u in used if u not in declared)
    assert not missing, f"used but not declared in ontology/kg.ttl: {missing}"
    assert URIRef("https://w3id.org/kg-lit/ontology#Paper") in set(ontology.subjects())


def test_ci_requires_the_browser_tests_and_they_fail_without_chromium(tmp_path):
    import os
    import subprocess
    import sys

    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert ci.index("export KG_REQUIRE_BROWSER=1") < ci.index(readme_commands()[1])

    def browser_tests(require: str) -> subprocess.CompletedProcess:
        env = {**os.environ, "KG_CHROMIUM": str(tmp_path / "no-chromium"), "KG_REQUIRE_BROWSER": require}
        return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                               "tests/test_browser.py::test_injected_markup_in_papers_does_not_run"],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)

    required, optional = browser_tests("1"), browser_tests("")
    assert required.returncode == 1 and "KG_REQUIRE_BROWSER=1" in required.stdout, required.stdout[-500:]
    assert optional.returncode == 0 and "1 skipped" in optional.stdout, optional.stdout[-500:]
