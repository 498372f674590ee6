"""The webhooks API: an API client subscribes to events, reads its delivery log and unsubscribes.

Only API clients subscribe (a person signed in to the site has nowhere to receive them); each sees
and changes its own subscriptions only. Admins manage every subscription in the admin.
"""

from django.db import transaction
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from rjcases.api.concurrency import etag_of
from rjcases.api.permissions import api_client
from rjcases.api.schema import IF_MATCH_REQUIRED
from rjcases.api.views import ApiViewSet

from .models import WebhookSubscription
from .serializers import NewWebhookSerializer, WebhookDeliverySerializer, WebhookSerializer
from .webhooks import new_secret, plan_for_subscription

TAG = ["webhooks"]


@extend_schema_view(
    list=extend_schema(tags=TAG, summary="List this client's webhook subscriptions"),
    retrieve=extend_schema(tags=TAG, summary="Read one of this client's webhook subscriptions"),
)
class WebhookViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    serializer_class = WebhookSerializer

    def client(self):
        client = api_client(self.request)
        if client is None:
            raise PermissionDenied("Webhooks belong to API clients: call with the client's API key.")
        return client

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.client()  # every action, before any input is read: a signed-in person is refused at once

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema's generator has no client
            return WebhookSubscription.objects.none()
        return WebhookSubscription.objects.filter(client=self.client()).order_by("pk")

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "client": api_client(self.request)}

    def retrieve(self, request, *args, **kwargs):
        return self.respond(self.get_object())

    @extend_schema(
        tags=TAG,
        request=WebhookSerializer,
        responses={201: NewWebhookSerializer},
        summary="Subscribe an https address to events; the answer holds the signing secret, once",
    )
    @transaction.atomic
    def create(self, request):
        serializer = WebhookSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        subscription = serializer.save(client=self.client(), secret=new_secret())
        plan_for_subscription(subscription)
        data = NewWebhookSerializer(subscription, context=self.get_serializer_context()).data
        location = reverse("api:webhook-detail", args=[subscription.pk])
        response = Response(data, status=status.HTTP_201_CREATED, headers={"Location": location})
        response["ETag"] = etag_of(self.detail_data(subscription))  # the version a GET sends: without the secret
        return response

    @extend_schema(
        tags=TAG,
        request=WebhookSerializer(partial=True),
        responses=WebhookSerializer,
        parameters=[IF_MATCH_REQUIRED],
        summary="Change a subscription's address or events, or pause it (`is_active`)",
    )
    @transaction.atomic
    def partial_update(self, request, pk):
        subscription = self.locked(WebhookSubscription, self._fetch, pk, if_match_required=True)
        serializer = WebhookSerializer(
            subscription, data=request.data, partial=True, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        subscription = serializer.save()
        plan_for_subscription(subscription)
        return self.respond(subscription)

    @extend_schema(tags=TAG, responses={204: None}, summary="Unsubscribe: no more deliveries, waiting ones dropped")
    @transaction.atomic
    def destroy(self, request, pk):
        self._fetch(request.user, pk).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(tags=TAG, responses=WebhookDeliverySerializer(many=True), summary="The subscription's delivery log")
    @action(detail=True, methods=["get"])
    def deliveries(self, request, pk):
        subscription = self._fetch(request.user, pk)
        page = self.paginate_queryset(subscription.deliveries.order_by("-pk"))
        return self.get_paginated_response(WebhookDeliverySerializer(page, many=True).data)

    def _fetch(self, user, pk, **access):
        return get_object_or_404(self.get_queryset(), pk=pk)
