# syntax=docker/dockerfile:1
# The gridts image: slim, non-root, dependencies exactly as uv.lock pins them. One image serves
# every gridts service of compose.yaml (migrate, api, refresher, seed).
FROM python:3.11.11-slim
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never
RUN pip install --no-cache-dir uv==0.13.9 && useradd --create-home --uid 10001 gridts
WORKDIR /app

# Dependencies first, from the lock file alone: this layer is rebuilt only when pyproject.toml or
# uv.lock change, not on every source change. uv's cache is a build cache mount, never a layer.
RUN --mount=type=cache,target=/root/.cache/uv \
    --mount=type=bind,source=uv.lock,target=uv.lock \
    --mount=type=bind,source=pyproject.toml,target=pyproject.toml \
    uv sync --frozen --no-dev --no-install-project

# Then gridts itself (installed editable: it finds sql/ and alembic/ beside src/).
COPY pyproject.toml uv.lock README.md alembic.ini ./
COPY src ./src
COPY sql ./sql
COPY alembic ./alembic
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev

USER gridts
ENV PATH="/app/.venv/bin:$PATH"
ENTRYPOINT ["gridts"]
