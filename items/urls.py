from __future__ import annotations

from rest_framework.routers import SimpleRouter

from items.views import ItemViewSet

router = SimpleRouter()
# Both /items and /items/ answer directly: a redirect would make clients drop a POST body.
router.trailing_slash = "/?"
router.register("items", ItemViewSet, basename="item")

urlpatterns = router.urls
