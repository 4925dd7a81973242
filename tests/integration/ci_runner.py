#!/usr/bin/env python3
"""Runs the jobs of a CI recipe (examples/ci) on this machine, as the CI service would.

The recipe's own steps run unchanged, against real podman services; only what the CI
service and the runner machine provide is played here:
  - GitHub Actions: the matrix, `${{ }}` expressions (matrix, secrets, vars, env,
    github, runner contexts; `!`, `always()`), `if:`, GITHUB_ENV, RUNNER_TEMP, and the
    actions checkout, upload-artifact and download-artifact;
  - GitLab CI: stages, `parallel: matrix`, `extends`, variables (file-type ones as
    paths), before_script + script in one shell, artifacts passed to later stages.
A runner is a directory: its workspace (a copy of --checkout), HOME, a temporary
directory, and $XDG_RUNTIME_DIR/podman/podman.sock, a link to the podman socket that
--runner gives for its label (GitHub `runs-on`, GitLab `tags`). Steps that set up the
runner machine itself (id `install`: the lab's podman-multiarch is on PATH; id
`podman-service`: the socket is there) are not run.

Usage: ci_runner.py github|gitlab RECIPE --work DIR --checkout DIR --bin PATH
         [--runner LABEL=SOCKET]... [--var K=V]... [--secret K=V|K=@FILE]... [--file-var K=PATH]...
         [--ref NAME] [--skip KEY=VALUE]
--skip leaves out the matrix rows with KEY=VALUE (a runner that never ran).
Writes DIR/results.json ({job: "success" | "failed" | "skipped"}); artifacts are
kept in DIR/artifacts/NAME/. Exit status: 0 if every job that ran succeeded.
"""
import argparse
import glob
import itertools
import json
import os
import re
import shutil
import subprocess
import sys
import threading

import yaml

RUNNER_SETUP_STEPS = {"install", "podman-service"}
print_lock = threading.Lock()


def file_name(name):
    """A job's name as a file name."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("_")


def say(prefix, text):
    with print_lock:
        for line in text.splitlines():
            print(f"[{prefix}] {line}", flush=True)


class Runner:
    """One job's machine: a workspace, HOME, a temporary directory and a podman socket."""

    def __init__(self, args, name, label):
        self.root = os.path.join(args.work, "jobs", file_name(name))
        shutil.rmtree(self.root, ignore_errors=True)
        self.workspace = os.path.join(self.root, "workspace")
        self.home = os.path.join(self.root, "home")
        self.temp = os.path.join(self.root, "tmp")
        self.run_dir = os.path.join(self.root, "run")
        self.bin_dir = os.path.join(self.root, "bin")
        for d in (self.workspace, self.home, self.temp, os.path.join(self.run_dir, "podman"), self.bin_dir):
            os.makedirs(d, mode=0o700, exist_ok=True)
        os.symlink(os.path.abspath(args.bin), os.path.join(self.bin_dir, "podman-multiarch"))
        socket = args.runners.get(label)
        if socket is None:
            raise SystemExit(f"ci_runner: no --runner for label {label!r} (job {name})")
        os.symlink(socket, os.path.join(self.run_dir, "podman", "podman.sock"))

    def checkout(self, source):
        shutil.copytree(source, self.workspace, dirs_exist_ok=True)

    def base_env(self):
        env = {
            "PATH": f"{self.bin_dir}:/usr/local/bin:/usr/bin:/bin",
            "HOME": self.home,
            "LANG": "C.UTF-8",
            "XDG_RUNTIME_DIR": self.run_dir,
            "CI": "true",
        }
        # Under scripts/sanitize.sh, the sanitizers' settings reach the binary too.
        for key in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
            if key in os.environ:
                env[key] = os.environ[key]
        return env

    def shell(self, prefix, script, env):
        """Runs a script with bash -eo pipefail in the workspace; returns its exit status."""
        path = os.path.join(self.temp, "step.sh")
        with open(path, "w") as f:
            f.write(script)
        proc = subprocess.Popen(["bash", "--noprofile", "--norc", "-eo", "pipefail", path], cwd=self.workspace,
                                env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for line in proc.stdout:
            say(prefix, line.rstrip("\n"))
        return proc.wait()


def matrix_rows(matrix, skip):
    """GitHub's strategy.matrix: the product of the lists, plus `include` rows."""
    if not matrix:
        return [{}]
    matrix = dict(matrix)
    include = matrix.pop("include", [])
    matrix.pop("exclude", None)
    rows = [dict(zip(matrix, values)) for values in itertools.product(*matrix.values())] if matrix else []
    return [r for r in rows + include if not any(str(r.get(k)) == v for k, v in skip)]


# ---------------------------------------------------------------- GitHub Actions

class GitHub:
    EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")

    def __init__(self, args, recipe):
        self.args, self.recipe = args, recipe
        self.artifacts = os.path.join(args.work, "artifacts")

    def value(self, expr, ctx):
        expr = expr.strip()
        if expr.startswith("!"):
            return not self.truthy(self.value(expr[1:], ctx))
        if expr == "always()":
            return True
        if expr in ("success()", "failure()"):
            return (expr == "success()") != ctx["failed"]
        m = re.fullmatch(r"(matrix|secrets|vars|env|github|runner)\.([A-Za-z0-9_-]+)", expr)
        if not m:
            raise SystemExit(f"ci_runner: unsupported expression ${{{{ {expr} }}}}")
        return ctx[m.group(1)].get(m.group(2), "")

    @staticmethod
    def truthy(v):
        return v not in ("", False, None, 0, "false")

    def expand(self, text, ctx):
        if not isinstance(text, str):
            return text
        whole = self.EXPR.fullmatch(text.strip())
        if whole:
            return self.value(whole.group(1), ctx)
        return self.EXPR.sub(lambda m: str(self.value(m.group(1), ctx)), text)

    def expand_all(self, node, ctx):
        if isinstance(node, dict):
            return {k: self.expand_all(v, ctx) for k, v in node.items()}
        if isinstance(node, list):
            return [self.expand_all(v, ctx) for v in node]
        return self.expand(node, ctx)

    def run_job(self, job_id, job, row):
        args = self.args
        ctx = {"matrix": row, "secrets": args.secrets, "vars": args.vars, "env": {}, "failed": False,
               "github": {"ref_name": args.ref, "ref": f"refs/tags/{args.ref}", "sha": "0" * 40,
                          "event_name": "workflow_dispatch", "repository": "acme/app"}}
        ctx["matrix"] = self.expand_all(row, ctx)
        name = self.expand(job.get("name", job_id), ctx)
        runner = Runner(args, name, self.expand(job["runs-on"], ctx))
        ctx["runner"] = {"temp": runner.temp}
        ctx["env"] = {k: str(self.expand(v, ctx)) for k, v in {**self.recipe.get("env", {}),
                                                               **job.get("env", {})}.items()}
        github_env = os.path.join(runner.temp, "github_env")
        open(github_env, "w").close()
        for index, step in enumerate(job["steps"]):
            label = step.get("name") or step.get("uses") or step.get("id") or f"step {index}"
            condition = step.get("if")
            if condition is None:
                run = not ctx["failed"]
            else:
                cond = condition.strip()
                cond = self.EXPR.fullmatch(cond).group(1) if self.EXPR.fullmatch(cond) else cond
                run = self.truthy(self.value(cond, ctx)) and (not ctx["failed"] or "always()" in cond)
            if not run:
                say(name, f"-- {label}: skipped")
                continue
            if step.get("id") in RUNNER_SETUP_STEPS:
                say(name, f"-- {label}: runner set-up, provided by the lab")
                continue
            say(name, f"-- {label}")
            if "uses" in step:
                ok = self.action(step["uses"], self.expand_all(step.get("with", {}), ctx), runner, name)
            else:
                env = {**runner.base_env(), **ctx["env"], **self.read_env_file(github_env),
                       **{k: str(self.expand(v, ctx)) for k, v in step.get("env", {}).items()},
                       "GITHUB_ENV": github_env, "GITHUB_WORKSPACE": runner.workspace, "RUNNER_TEMP": runner.temp,
                       "GITHUB_REF_NAME": args.ref, "GITHUB_ACTIONS": "true"}
                status = runner.shell(name, self.expand(step["run"], ctx), env)
                ok = status == 0
                if not ok:
                    say(name, f"-- {label}: exit status {status}")
            ctx["failed"] |= not ok
        return name, not ctx["failed"]

    @staticmethod
    def read_env_file(path):
        env = {}
        with open(path) as f:
            for line in f:
                if "=" in line:
                    key, value = line.rstrip("\n").split("=", 1)
                    env[key] = value
        return env

    def action(self, uses, with_, runner, name):
        action = uses.split("@")[0]
        if action == "actions/checkout":
            runner.checkout(self.args.checkout)
        elif action == "actions/upload-artifact":
            dest = os.path.join(self.artifacts, with_["name"])
            files = glob.glob(os.path.join(runner.workspace, with_["path"]))
            if not files:
                say(name, f"upload-artifact: no file matches {with_['path']}")
                return with_.get("if-no-files-found", "warn") != "error"
            os.makedirs(dest, exist_ok=True)
            for f in files:
                shutil.copy(f, dest)
        elif action == "actions/download-artifact":
            dest = os.path.join(runner.workspace, with_.get("path", "."))
            for src in sorted(glob.glob(os.path.join(self.artifacts, with_.get("pattern", "*")))):
                target = dest if with_.get("merge-multiple") else os.path.join(dest, os.path.basename(src))
                shutil.copytree(src, target, dirs_exist_ok=True)
        else:
            raise SystemExit(f"ci_runner: unsupported action {uses}")
        return True

    def run(self):
        results = {}
        done = set()
        jobs = self.recipe["jobs"]
        while len(done) < len(jobs):
            ready = [j for j in jobs if j not in done and set(self.needs(jobs[j])) <= done]
            if not ready:
                raise SystemExit("ci_runner: jobs wait for each other")
            for job_id in ready:
                job = jobs[job_id]
                if any(results.get(n) != "success" for n in self.needs(job)):
                    results[job_id] = "skipped"
                    done.add(job_id)
                    continue
                rows = matrix_rows(job.get("strategy", {}).get("matrix"), self.args.skip)
                outcomes = run_parallel([lambda r=r: self.run_job(job_id, job, r) for r in rows])
                for instance, ok in outcomes:
                    results[instance] = "success" if ok else "failed"
                results[job_id] = "success" if all(ok for _, ok in outcomes) else "failed"
                done.add(job_id)
        return results

    @staticmethod
    def needs(job):
        needs = job.get("needs", [])
        return [needs] if isinstance(needs, str) else needs


# ---------------------------------------------------------------- GitLab CI

class GitLab:
    def __init__(self, args, recipe):
        self.args, self.recipe = args, recipe
        self.artifacts = os.path.join(args.work, "artifacts")
        self.file_vars = {}
        files = os.path.join(args.work, "file-variables")
        os.makedirs(files, mode=0o700, exist_ok=True)
        for key, path in args.file_vars.items():  # GitLab writes a file variable's value to a file
            copy = os.path.join(files, key)
            shutil.copy(path, copy)
            os.chmod(copy, 0o600)
            self.file_vars[key] = copy

    @staticmethod
    def expand(text, variables):
        return re.sub(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?", lambda m: str(variables.get(m.group(1), "")), str(text))

    def job_definition(self, name):
        job = dict(self.recipe[name])
        for parent in reversed([job["extends"]] if isinstance(job.get("extends"), str) else job.get("extends", [])):
            job = {**self.job_definition(parent), **job}
        return job

    def run_job(self, name, job, row):
        args = self.args
        variables = {"CI": "true", "GITLAB_CI": "true", "CI_COMMIT_REF_NAME": args.ref, "CI_COMMIT_TAG": args.ref,
                     "CI_PIPELINE_SOURCE": "push", **args.vars, **args.secrets, **self.file_vars}
        for key, value in {**self.recipe.get("variables", {}), **job.get("variables", {}), **row}.items():
            variables[key] = self.expand(value, variables)
        instance = f"{name}: [{', '.join(str(v) for v in row.values())}]" if row else name
        tags = [self.expand(t, variables) for t in job.get("tags", [])]
        label = next((t for t in tags if t in args.runners), tags[-1] if tags else "")
        runner = Runner(args, instance, label)
        runner.checkout(args.checkout)
        for src in sorted(glob.glob(os.path.join(self.artifacts, "*"))):  # earlier stages' artifacts
            shutil.copytree(src, runner.workspace, dirs_exist_ok=True)
        variables.update(CI_PROJECT_DIR=runner.workspace, CI_JOB_NAME=instance)
        script = "\n".join(job.get("before_script", []) + job.get("script", []))
        status = runner.shell(instance, script, {**runner.base_env(), **variables})
        ok = status == 0
        say(instance, f"-- job {'succeeded' if ok else f'failed: exit status {status}'}")
        artifacts = job.get("artifacts", {})
        if ok or artifacts.get("when") in ("always", "on_failure"):
            dest = os.path.join(self.artifacts, file_name(instance))
            for pattern in artifacts.get("paths", []):
                for f in glob.glob(os.path.join(runner.workspace, self.expand(pattern, variables))):
                    os.makedirs(dest, exist_ok=True)
                    shutil.copy(f, dest)
        return instance, ok

    def run(self):
        results = {}
        failed = False
        jobs = {k: self.job_definition(k) for k, v in self.recipe.items()
                if isinstance(v, dict) and not k.startswith(".") and ("script" in v or "extends" in v)}
        for stage in self.recipe.get("stages", ["build", "test", "deploy"]):
            in_stage = [j for j in jobs if jobs[j].get("stage", "test") == stage]
            for job_id in in_stage:
                if failed:
                    results[job_id] = "skipped"
                    continue
                rows = [r for r in (jobs[job_id].get("parallel", {}) or {}).get("matrix", [{}])
                        if not any(str(r.get(k)) == v for k, v in self.args.skip)]
                outcomes = run_parallel([lambda r=r, j=job_id: self.run_job(j, jobs[j], r) for r in rows])
                for instance, ok in outcomes:
                    results[instance] = "success" if ok else "failed"
                results[job_id] = "success" if all(ok for _, ok in outcomes) else "failed"
            failed |= any(results.get(j) == "failed" for j in in_stage)
        return results


def run_parallel(calls):
    outcomes = [None] * len(calls)

    def run(i):
        outcomes[i] = calls[i]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


def pairs(values, files=False):
    """KEY=VALUE items; with files, KEY=@PATH takes the value from a file (secrets stay out of argv)."""
    out = {}
    for item in values or []:
        key, _, value = item.partition("=")
        if files and value.startswith("@"):
            with open(value[1:]) as f:
                value = f.read()
        out[key] = value
    return out


def main():
    p = argparse.ArgumentParser()
    p.add_argument("service", choices=["github", "gitlab"])
    p.add_argument("recipe")
    p.add_argument("--work", required=True)
    p.add_argument("--checkout", required=True)
    p.add_argument("--bin", required=True)
    p.add_argument("--runner", action="append")
    p.add_argument("--var", action="append")
    p.add_argument("--secret", action="append")
    p.add_argument("--file-var", action="append")
    p.add_argument("--ref", default="main")
    p.add_argument("--skip", action="append")
    args = p.parse_args()
    args.runners, args.vars, args.secrets = pairs(args.runner), pairs(args.var), pairs(args.secret, files=True)
    args.file_vars, args.skip = pairs(args.file_var), list(pairs(args.skip).items())
    with open(args.recipe) as f:
        recipe = yaml.safe_load(f)
    if args.service == "github" and True in recipe:  # YAML 1.1 reads the key `on` as true
        recipe["on"] = recipe.pop(True)
    shutil.rmtree(os.path.join(args.work, "artifacts"), ignore_errors=True)
    results = (GitHub if args.service == "github" else GitLab)(args, recipe).run()
    with open(os.path.join(args.work, "results.json"), "w") as f:
        json.dump(results, f, indent=2)
    print(json.dumps(results, indent=2))
    return 0 if all(v != "failed" for v in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
