"""Runs: start one, follow its progress, resume it, fetch its artifacts."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, status
from fastapi.responses import FileResponse

from xcoder_synth.errors import ConfigError, StoreError
from xcoder_synth.service import runs
from xcoder_synth.service.deps import RedisDep, SettingsDep
from xcoder_synth.service.schemas import Artifact, RunCreate, RunInfo, RunResume

router = APIRouter(prefix="/v1/runs", tags=["runs"])


@router.post("", status_code=status.HTTP_202_ACCEPTED, response_model=RunInfo)
def create(body: RunCreate, settings: SettingsDep, conn: RedisDep) -> RunInfo:
    try:
        run_id = runs.create_run(settings, conn, body.config, body.stages, body.start, body.stop)
    except ConfigError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from exc
    return runs.run_info(settings, conn, run_id)


@router.get("", response_model=list[str])
def list_runs(settings: SettingsDep) -> list[str]:
    return runs.list_runs(settings)


@router.get("/{run_id}", response_model=RunInfo)
def get_run(run_id: str, settings: SettingsDep, conn: RedisDep) -> RunInfo:
    try:
        return runs.run_info(settings, conn, run_id)
    except StoreError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc


@router.post("/{run_id}/resume", status_code=status.HTTP_202_ACCEPTED, response_model=RunInfo)
def resume(run_id: str, body: RunResume, settings: SettingsDep, conn: RedisDep) -> RunInfo:
    try:
        runs.resume_run(settings, conn, run_id, body.stages, body.start, body.stop)
    except StoreError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc
    except ConfigError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from exc
    return runs.run_info(settings, conn, run_id)


@router.get("/{run_id}/artifacts", response_model=list[Artifact])
def list_artifacts(run_id: str, settings: SettingsDep) -> list[Artifact]:
    try:
        return runs.artifacts(settings, run_id)
    except StoreError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc


@router.get("/{run_id}/artifacts/{path:path}")
def get_artifact(run_id: str, path: str, settings: SettingsDep) -> FileResponse:
    try:
        return FileResponse(runs.artifact_path(settings, run_id, path))
    except StoreError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc
