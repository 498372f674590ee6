"""Courses are defined here by admins; sessions, attendance and accreditations are read here and
changed only through the training pages (training/services.py), which check their rules."""

from django.contrib import admin

from .models import Accreditation, Attendance, Course, Observation, TrainingSession


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "hours", "valid_months", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["title"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(TrainingSession)
class TrainingSessionAdmin(ReadOnlyAdmin):
    list_display = ["course", "starts_at", "trainer", "capacity", "status"]
    list_filter = ["status", "course"]


@admin.register(Attendance)
class AttendanceAdmin(ReadOnlyAdmin):
    list_display = ["user", "session", "attended", "completed_on", "result"]
    list_filter = ["result"]


@admin.register(Observation)
class ObservationAdmin(ReadOnlyAdmin):
    list_display = ["facilitator", "conference_kind", "observed_on", "judgement", "observer"]


@admin.register(Accreditation)
class AccreditationAdmin(ReadOnlyAdmin):
    list_display = ["facilitator", "conference_kind", "level", "status", "granted_on", "expires_on"]
    list_filter = ["level", "status", "conference_kind"]
