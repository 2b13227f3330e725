# The application: action server, web app (console, widget), migrations, retention job.
FROM python:3.11-slim-bookworm
WORKDIR /app
RUN pip install --no-cache-dir uv==0.13.8
COPY requirements/app.lock requirements/
RUN uv venv /venv && uv pip sync --python /venv/bin/python --require-hashes requirements/app.lock
COPY package.json package-lock.json ./
COPY clinic_assistant/ clinic_assistant/
COPY clinic_common/ clinic_common/
COPY actions/ actions/
COPY migrations/ migrations/
COPY data/answers/ data/answers/
COPY data/triage/ data/triage/
COPY docs/sources/ docs/sources/
COPY alembic.ini ./
COPY node_modules/chart.js/dist/chart.umd.min.js clinic_assistant/web/static/vendor/chart.umd.js
ENV PYTHONPATH=/app CLINIC_ROOT=/app
# An unprivileged user with a high id (the pods also run with a read-only root filesystem).
USER 10001
EXPOSE 5055 8000
# Healthy when the server this container runs answers: the action server, or the web app.
HEALTHCHECK --interval=30s --timeout=5s CMD ["/venv/bin/python", "-c", "import urllib.request as u, sys; sys.exit(0 if any(u.urlopen(f'http://127.0.0.1:{p}/health', timeout=3).status == 200 for p in (5055, 8000) if __import__('socket').socket().connect_ex(('127.0.0.1', p)) == 0) else 1)"]
# The action server; the web app runs the same image with:
#   /venv/bin/python -m uvicorn --factory clinic_assistant.web.app:create_app --host 0.0.0.0 --port 8000
CMD ["/venv/bin/python", "-m", "clinic_assistant.action_server", "--port", "5055"]
