"""The results table: printed, and written as Markdown and JSON to bench/results/."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.load import LoadResult
from bench.scenarios import MAX_SERVER_MEMORY_MB, Scenario


@dataclass
class Row:
    """One scenario's figures and verdict."""

    scenario: Scenario
    path: str = ""
    queries: int | None = None
    load: LoadResult | None = None
    problem: str = ""

    @property
    def verdict(self) -> str:
        if self.problem or self.load is None:
            return "FAIL"
        budget = self.scenario.budget
        ok = (
            self.load.errors == 0
            and self.load.rps >= budget.min_rps
            and self.load.p99_ms < budget.max_p99_ms
        )
        return "pass" if ok else "FAIL"

    def as_dict(self) -> dict[str, Any]:
        budget = self.scenario.budget
        return {
            "name": self.scenario.name,
            "path": self.path,
            "auth": self.scenario.auth,
            "budget": {
                "shape": budget.name,
                "min_rps": budget.min_rps,
                "max_p99_ms": budget.max_p99_ms,
            },
            "queries_per_request": self.queries,
            "load": asdict(self.load) if self.load else None,
            "problem": self.problem,
            "verdict": self.verdict,
        }


@dataclass
class Report:
    """Everything one benchmark run measured, with the circumstances needed to compare runs."""

    started: str
    environment: dict[str, Any]
    dataset: dict[str, Any]
    rows: list[Row] = field(default_factory=list)
    memory_rss_mb: float = 0.0
    memory_pss_mb: float = 0.0
    audit_check: dict[str, Any] = field(default_factory=dict)

    @property
    def memory_verdict(self) -> str:
        # "Master and workers together": pages the workers share with the master (the code
        # loaded before the fork) are one memory, so they are counted once, which PSS does.
        # Summed RSS would count them three times; it is reported beside it.
        return "pass" if 0 < self.memory_pss_mb <= MAX_SERVER_MEMORY_MB else "FAIL"

    @property
    def passed(self) -> bool:
        return (
            self.memory_verdict == "pass"
            and not self.audit_check.get("problems")
            and all(r.verdict == "pass" for r in self.rows)
        )

    def table(self) -> str:
        """A Markdown table, readable as plain text too."""
        head = [
            "endpoint", "budget", "req/s", "p50 ms", "p95 ms", "p99 ms", "queries/req",
            "errors", "result",
        ]  # fmt: skip
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for row in self.rows:
            budget = row.scenario.budget
            load = row.load
            cells = [
                row.scenario.name,
                f"≥{budget.min_rps:g}/s, p99<{budget.max_p99_ms:g} ms",
                f"{load.rps:.0f}" if load else "-",
                f"{load.p50_ms:.1f}" if load else "-",
                f"{load.p95_ms:.1f}" if load else "-",
                f"{load.p99_ms:.1f}" if load else "-",
                "-" if row.queries is None else str(row.queries),
                str(load.errors) if load else "-",
                row.verdict + (f" ({row.problem})" if row.problem else ""),
            ]
            lines.append("| " + " | ".join(cells) + " |")
        lines.append(
            f"| server memory (master + workers, peak PSS) | ≤{MAX_SERVER_MEMORY_MB} MB | "
            f"{self.memory_pss_mb:.0f} MB | | | | RSS {self.memory_rss_mb:.0f} MB | | "
            f"{self.memory_verdict} |"
        )
        return "\n".join(lines)

    def markdown(self) -> str:
        env, data = self.environment, self.dataset
        counts = ", ".join(f"{k} {v:,}" for k, v in data.get("counts", {}).items())
        return "\n".join(
            [
                f"# Accord benchmark, {self.started}",
                "",
                f"- machine: {env['cpus']} CPUs ({env['cpu_model']}), Python {env['python']}, "
                f"load average at start {env.get('load_average_at_start', '?')}",
                f"- database: {env['database']}; server: `accord serve` (gunicorn), "
                f"{env['workers']} workers, threads per worker: {env['server_threads']}",
                f"- load: wrk, {env['connections']} connections over loopback, "
                f"{env['duration']} s per endpoint after {env['warmup']} s warm-up",
                f"- data: {counts} (generated in {data.get('seconds', 0)} s)",
                "",
                self.table(),
                "",
                f"Server memory is judged as PSS (pages shared by master and workers counted "
                f"once): {self.memory_pss_mb:.0f} MB; summed RSS, which counts shared pages in "
                f"every process, is {self.memory_rss_mb:.0f} MB.",
                "Queries per request are counted in-process with Django's test client.",
                self.audit_line(),
                "",
                f"Overall: {'pass' if self.passed else 'FAIL'}",
                "",
            ]
        )

    def audit_line(self) -> str:
        if not self.audit_check:
            return "Audit chains were not checked."
        problems = self.audit_check["problems"]
        state = f"BROKEN ({problems[0]})" if problems else "verify"
        return f"Audit chains after the load ({self.audit_check['records']:,} records): {state}."

    def as_dict(self) -> dict[str, Any]:
        return {
            "started": self.started,
            "environment": self.environment,
            "dataset": self.dataset,
            "endpoints": [row.as_dict() for row in self.rows],
            "memory": {
                "rss_mb": round(self.memory_rss_mb, 1),
                "pss_mb": round(self.memory_pss_mb, 1),
                "max_mb": MAX_SERVER_MEMORY_MB,
                "verdict": self.memory_verdict,
            },
            "audit_chains": self.audit_check,
            "passed": self.passed,
        }

    def write(self, folder: Path, stem: str) -> tuple[Path, Path]:
        folder.mkdir(parents=True, exist_ok=True)
        md, js = folder / f"{stem}.md", folder / f"{stem}.json"
        md.write_text(self.markdown(), encoding="utf-8")
        js.write_text(json.dumps(self.as_dict(), indent=2, ensure_ascii=False) + "\n")
        return md, js
