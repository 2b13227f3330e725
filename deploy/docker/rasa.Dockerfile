# The Rasa server: Rasa 3.6.21 on Python 3.11, the project's NLU components and trained model.
FROM python:3.11-slim-bookworm
WORKDIR /app
RUN pip install --no-cache-dir uv==0.13.8
COPY requirements/rasa.lock requirements/rasa-core.lock requirements/
RUN uv venv /venv && uv pip sync --python /venv/bin/python --require-hashes requirements/rasa.lock \
 && uv pip install --python /venv/bin/python --no-deps --require-hashes -r requirements/rasa-core.lock
COPY clinic_nlu/ clinic_nlu/
COPY clinic_common/ clinic_common/
COPY data/entities/ data/entities/
COPY config.yml domain.yml credentials.yml ./
RUN PYTHONPATH=/app /venv/bin/python -m clinic_nlu.components.spacy_pipeline data/entities/patterns.jsonl build/spacy/clinic_en
COPY models/clinic.tar.gz models/clinic.tar.gz
ENV PYTHONPATH=/app RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2 TF_INTRA_OP_PARALLELISM_THREADS=2 TF_INTER_OP_PARALLELISM_THREADS=1
# An unprivileged user with a high id (the pods also run with a read-only root filesystem).
USER 10001
EXPOSE 5005
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s CMD ["/venv/bin/python", "-c", "import urllib.request as u; u.urlopen('http://127.0.0.1:5005/webhooks/rest/', timeout=3)"]
# The endpoints file is mounted from a ConfigMap; passwords come from the environment.
# The API token comes from RASA_API_TOKEN (clinic_nlu.server.serve), never from the command line.
CMD ["/venv/bin/python", "-m", "clinic_nlu.server.serve", "--model", "models/clinic.tar.gz", \
     "--port", "5005", "--credentials", "credentials.yml", "--endpoints", "/config/endpoints.yml"]
