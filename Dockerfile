# The gridts image: slim, non-root, dependencies exactly as uv.lock pins them.
FROM python:3.11.11-slim
RUN pip install --no-cache-dir uv==0.13.9 && useradd --create-home --uid 10001 gridts
WORKDIR /app
COPY pyproject.toml uv.lock README.md alembic.ini ./
COPY src ./src
COPY sql ./sql
COPY alembic ./alembic
RUN uv sync --frozen --no-dev && chown -R gridts /app
USER gridts
ENV PATH="/app/.venv/bin:$PATH"
ENTRYPOINT ["gridts"]
