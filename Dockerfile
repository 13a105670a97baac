# Signalroom as one image for the Procfile's three processes (compose.yaml runs each):
#   release: signalroom db upgrade    web: signalroom serve (the default)    worker: signalroom worker
# The image installs the same wheel that CI builds and checks with .ci/wheel.

# -- build the wheel ---------------------------------------------------------------------------
FROM python:3.11-slim AS wheel
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY integrations ./integrations
COPY templates ./templates
COPY migrations ./migrations
RUN python -m pip wheel --no-cache-dir --no-deps --wheel-dir /dist .

# -- runtime -----------------------------------------------------------------------------------
FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PORT=3000 \
    MPLCONFIGDIR=/tmp/matplotlib

# Dependencies in their own layer: rebuilt only when pyproject.toml changes, not on every code change.
COPY pyproject.toml /tmp/pyproject.toml
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('/tmp/pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && python -m pip install -r /tmp/requirements.txt \
    && rm /tmp/pyproject.toml /tmp/requirements.txt

COPY --from=wheel /dist/ /tmp/dist/
RUN python -m pip install --no-deps /tmp/dist/signalroom-*.whl \
    && python -m pip check \
    && rm -rf /tmp/dist

# A non-root user; its working directory holds the default data dir (.signalroom) when there is no DATABASE_URL.
RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin signalroom
USER signalroom
WORKDIR /home/signalroom

EXPOSE 3000
CMD ["signalroom", "serve"]
