# RJ Cases: one image for the web server, the Celery worker and Celery beat.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=rjcases.settings

WORKDIR /app

RUN groupadd --system rjcases \
    && useradd --system --gid rjcases --home-dir /app --no-create-home --shell /usr/sbin/nologin rjcases

COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .

# Static files are collected into the image (STATIC_ROOT, var/staticfiles by default) and served by
# WhiteNoise. The secret key below exists for this step only; it is not kept in the image.
RUN SECRET_KEY=collectstatic-build-only FIELD_ENCRYPTION_KEYS=collectstatic-build-only DEBUG=false python manage.py collectstatic --noinput \
    && mkdir -p var \
    && chown -R rjcases:rjcases var

USER rjcases

EXPOSE 8000

CMD ["gunicorn", "rjcases.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "2", "--access-logfile", "-"]
