# One image for web, worker and beat; docker-compose.yml picks the command.
FROM node:20-slim AS assets
WORKDIR /src
COPY package.json package-lock.json ./
COPY assets ./assets
COPY scripts/build_assets.sh ./scripts/build_assets.sh
COPY recruit/static ./recruit/static
RUN bash scripts/build_assets.sh

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
RUN useradd --create-home --uid 10001 recruit
WORKDIR /app
COPY pyproject.toml README.md ./
COPY recruit ./recruit
COPY worker ./worker
COPY templates ./templates
COPY migrations ./migrations
COPY gunicorn.conf.py ./
RUN pip install . && mkdir -p /data && chown recruit /data
COPY --from=assets /src/recruit/static/build ./recruit/static/build
USER recruit
ENV FLASK_APP=recruit RECRUIT_INSTANCE_PATH=/data
EXPOSE 8000
# Threads, processes and timeouts: gunicorn.conf.py (read from the working directory).
CMD ["gunicorn", "recruit:create_app()"]
