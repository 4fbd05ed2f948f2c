# One image for the API and the worker (the same commands the tests run): `mineflow api` / `mineflow worker`.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md alembic.ini worker.py settings.py engine.py logs.py timings.py ./
COPY domain domain
COPY models models
COPY workflows workflows
COPY activities activities
COPY api api
COPY cli cli
COPY console console
COPY migrations migrations
COPY storage storage
COPY documents documents
RUN pip install --no-cache-dir --prefix=/install .

FROM python:3.11-slim
# WeasyPrint's Pango and HarfBuzz-subset, and the Noto CJK fonts the documents are set in (cli/ensure_pdf.py).
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --system --uid 10001 --home /app mineflow
WORKDIR /app
COPY --from=build /install /usr/local
COPY --chown=mineflow alembic.ini worker.py ./
COPY --chown=mineflow migrations migrations
USER mineflow
ENV MINEFLOW_MODE=production MINEFLOW_LOG_JSON=true PYTHONUNBUFFERED=1
EXPOSE 8000
CMD ["mineflow", "api", "--host", "0.0.0.0"]
