"""Validate verl GRPO overrides with verl's own code, without GPUs (what `DRY_RUN=1 rl/train_grpo.sh` runs).

    python -m rl.check_config <hydra overrides...> [--show] [--probe-data N]

1. Composes verl's `ppo_trainer` config from the installed verl package's YAML files with Hydra
   and the overrides, exactly as `python -m verl.trainer.main_ppo` would (struct mode: an unknown
   key without `+` is an error, as in a real run).
2. Runs `verl.utils.config.validate_config` (batch-size arithmetic, micro-batch settings, actor
   checks) the way `main_ppo.main` does before it starts Ray.
3. Resolves the reward manager class and loads the custom reward function through verl's
   `get_custom_reward_fn`, so a wrong path, function name or signature fails here, not after the
   model has loaded.
4. Checks for the pitfalls of 0.9.x: reward settings under the legacy top-level
   `custom_reward_function` / `reward_model.reward_manager` keys (silently ignored by main_ppo).
5. With `--probe-data N`: reads the first N rows of every train/val file through verl's
   `RLHFDataset` and parses each row's ground truth with xcoder_client (no tokenizer needed).

Prints a summary (and the full config with `--show`); exits 1 on the first problem.
"""

from __future__ import annotations

import argparse
import importlib.util
import inspect
import sys
from pathlib import Path


class ConfigProblem(Exception):
    pass


def verl_config_dir() -> Path:
    spec = importlib.util.find_spec("verl")
    if spec is None or not spec.submodule_search_locations:
        raise ConfigProblem("verl is not installed in this Python (pip install verl==0.9.1)")
    path = Path(next(iter(spec.submodule_search_locations))) / "trainer" / "config"
    if not (path / "ppo_trainer.yaml").is_file():
        raise ConfigProblem(f"{path}/ppo_trainer.yaml not found: is this verl 0.9.x?")
    return path


def compose(overrides: list[str], config_name: str = "ppo_trainer"):
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    GlobalHydra.instance().clear()
    try:
        with initialize_config_dir(config_dir=str(verl_config_dir()), version_base=None):
            return hydra_compose(config_name=config_name, overrides=overrides)
    except ConfigProblem:
        raise
    except Exception as exc:  # Hydra's errors: unknown key, bad override grammar, missing group
        raise ConfigProblem(f"Hydra rejected the overrides: {type(exc).__name__}: {exc}") from exc


def check_legacy_keys(cfg) -> None:
    """verl 0.9.1's main_ppo reads reward.*; the legacy keys exist but are ignored there."""
    from omegaconf import OmegaConf

    legacy = {
        "custom_reward_function.path": OmegaConf.select(cfg, "custom_reward_function.path"),
        "reward_model.reward_manager": OmegaConf.select(cfg, "reward_model.reward_manager"),
        "sandbox_fusion.url": OmegaConf.select(cfg, "sandbox_fusion.url"),
    }
    used = [k for k, v in legacy.items() if v not in (None, "", "naive")]
    if used:
        raise ConfigProblem(
            f"legacy reward keys set ({', '.join(used)}): verl 0.9.1's main_ppo ignores them; "
            "use reward.custom_reward_function.* / reward.reward_manager.* / reward.sandbox_fusion.*"
        )


def validate(cfg) -> None:
    from verl.trainer.ppo.utils import need_critic, need_reference_policy
    from verl.utils.config import validate_config

    try:
        validate_config(
            config=cfg, use_reference_policy=need_reference_policy(cfg), use_critic=need_critic(cfg)
        )
    except (AssertionError, ValueError, TypeError) as exc:
        raise ConfigProblem(f"verl validate_config: {type(exc).__name__}: {exc}") from exc


def load_reward(cfg):
    """The wrapped reward function, loaded by verl; its signature must take verl's keyword arguments."""
    from verl.trainer.ppo.reward import get_custom_reward_fn, resolve_reward_manager_cls

    try:
        resolve_reward_manager_cls(cfg)  # what each RewardLoopWorker does first
    except Exception as exc:
        raise ConfigProblem(f"reward manager does not resolve: {type(exc).__name__}: {exc}") from exc
    path = cfg.reward.custom_reward_function.path
    if not path:
        raise ConfigProblem(
            "reward.custom_reward_function.path is not set: verl would use its default scorer"
        )
    if not Path(path).is_file():
        raise ConfigProblem(f"reward.custom_reward_function.path={path} does not exist")
    try:
        fn = get_custom_reward_fn(cfg)
    except Exception as exc:
        raise ConfigProblem(f"verl could not load the reward function: {type(exc).__name__}: {exc}") from exc
    raw = fn.args[0] if hasattr(fn, "args") and fn.args else fn
    kwargs = dict(cfg.reward.custom_reward_function.get("reward_kwargs", {}) or {})
    options_model = getattr(raw, "__globals__", {}).get("VerlRewardOptions")
    if options_model is not None:  # xcoder_client.verl: validate reward_kwargs with its own model
        try:
            options_model(**kwargs)
        except Exception as exc:
            raise ConfigProblem(f"reward_kwargs rejected by {raw.__module__}: {exc}") from exc
    try:
        inspect.signature(raw).bind(
            data_source="x", solution_str="", ground_truth="{}", extra_info={}, **kwargs
        )
    except TypeError as exc:
        raise ConfigProblem(
            f"the reward function does not accept verl's arguments plus {sorted(kwargs)}: {exc}"
        ) from exc
    return fn, raw, kwargs


def probe_data(cfg, rows: int) -> list[str]:
    """Read the first `rows` rows of each data file through verl's RLHFDataset; returns a summary."""
    import tempfile

    import datasets
    from omegaconf import OmegaConf
    from verl.utils.dataset.rl_dataset import RLHFDataset
    from xcoder_client.testcases import parse_tests

    lines = []
    cache = tempfile.mkdtemp(prefix="verl-probe-")
    for key in ("train_files", "val_files"):
        files = OmegaConf.select(cfg, f"data.{key}")
        files = [files] if isinstance(files, str) else list(files)
        for f in files:
            if not Path(f).is_file():
                raise ConfigProblem(f"data.{key}: {f} does not exist")
            data_cfg = OmegaConf.create(
                {
                    "prompt_key": cfg.data.prompt_key,
                    "max_prompt_length": cfg.data.max_prompt_length,
                    "filter_overlong_prompts": False,  # needs the model's tokenizer: the real run does it
                    "cache_dir": cache,
                }
            )
            datasets.disable_progress_bars()
            ds = RLHFDataset(data_files=[f], tokenizer=None, config=data_cfg, max_samples=rows)
            for i in range(len(ds)):
                item = ds[i]
                for column in ("raw_prompt", "data_source", "reward_model"):
                    if column not in item:
                        raise ConfigProblem(f"{f} row {i}: RLHFDataset item has no {column!r}")
                try:
                    parse_tests(item["reward_model"]["ground_truth"])
                except ValueError as exc:
                    raise ConfigProblem(f"{f} row {i}: ground truth does not parse: {exc}") from exc
            lines.append(f"{f}: {len(ds)} rows read by RLHFDataset, ground truth parsed")
    return lines


def summary(cfg) -> list[str]:
    from omegaconf import OmegaConf

    keys = [
        "algorithm.adv_estimator",
        "data.train_batch_size",
        "actor_rollout_ref.rollout.n",
        "actor_rollout_ref.actor.ppo_mini_batch_size",
        "actor_rollout_ref.actor.optim.lr",
        "actor_rollout_ref.actor.clip_ratio_high",
        "actor_rollout_ref.actor.use_kl_loss",
        "data.max_prompt_length",
        "data.max_response_length",
        "actor_rollout_ref.rollout.name",
        "actor_rollout_ref.model.path",
        "reward.custom_reward_function.path",
        "reward.custom_reward_function.name",
        "reward.custom_reward_function.reward_kwargs",
        "reward.num_workers",
        "trainer.nnodes",
        "trainer.n_gpus_per_node",
        "trainer.total_epochs",
    ]
    return [f"{k} = {OmegaConf.select(cfg, k)}" for k in keys]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rl.check_config", description=__doc__.split("\n\n")[0])
    parser.add_argument("--show", action="store_true", help="print the whole composed config (YAML)")
    parser.add_argument(
        "--probe-data", type=int, default=0, metavar="N", help="read N rows of each data file"
    )
    args, overrides = parser.parse_known_args(argv)
    bad = [o for o in overrides if o.startswith("-")]
    if bad:
        parser.error(f"unknown options {bad} (Hydra overrides look like key=value)")
    try:
        cfg = compose(overrides)
        check_legacy_keys(cfg)
        validate(cfg)
        _, raw, kwargs = load_reward(cfg)
        extra = probe_data(cfg, args.probe_data) if args.probe_data else []
    except ConfigProblem as exc:
        print(f"config check FAILED: {exc}", file=sys.stderr)
        return 1
    if args.show:
        from omegaconf import OmegaConf

        print(OmegaConf.to_yaml(cfg))
    print("verl config OK (composed from verl's YAML, validate_config passed, reward function loaded)")
    for line in [
        *summary(cfg),
        f"reward function: {raw.__module__}.{raw.__name__}({', '.join(sorted(kwargs))})",
        *extra,
    ]:
        print("  " + line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
