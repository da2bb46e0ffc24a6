"""Demo portfolio: Acme Outdoor, a fictional outdoor-gear retailer with a web shop,
stores, a payments platform and a loyalty programme.

Fifteen products over every stage, each owned two in a box from the start, with build
and run teams, stakeholders from design, sales, marketing, customer service and
analytics, links, SLOs, on-call rotations and warranty policies. Slugs are stable:
the other apps' demo seeders (which run after this one) pick products by slug or stage.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from prodops.catalog import services
from prodops.catalog.schemas import ProductSpec, TeamSpec
from prodops.core.actors import Actor

DOMAIN = "acme.example.com"

PEOPLE = {
    # build leads and developers
    "priya.natarajan": "Priya Natarajan",
    "tom.okafor": "Tom Okafor",
    "lena.fischer": "Lena Fischer",
    "marco.rossi": "Marco Rossi",
    "aiko.tanaka": "Aiko Tanaka",
    "sam.whitfield": "Sam Whitfield",
    "nina.kowalski": "Nina Kowalski",
    "diego.alvarez": "Diego Alvarez",
    # run leads, SREs and support engineers
    "grace.liu": "Grace Liu",
    "omar.haddad": "Omar Haddad",
    "hannah.berg": "Hannah Berg",
    "kofi.mensah": "Kofi Mensah",
    "rachel.adams": "Rachel Adams",
    "jonas.lind": "Jonas Lind",
    "fatima.zahra": "Fatima Zahra",
    "ben.carter": "Ben Carter",
    # stakeholders
    "chloe.martin": "Chloe Martin",  # design
    "ravi.shah": "Ravi Shah",  # sales
    "emma.dubois": "Emma Dubois",  # marketing
    "lucas.silva": "Lucas Silva",  # customer service
    "mei.chen": "Mei Chen",  # analytics
    "olivia.brown": "Olivia Brown",  # design
    "pedro.gomez": "Pedro Gomez",  # sales
    "sofia.ricci": "Sofia Ricci",  # customer service
}


def _e(handle: str) -> str:
    return f"{handle}@{DOMAIN}"


# slug: (name, kind, capacity hours/week, members)
TEAMS: dict[str, tuple[str, str, float, list[str]]] = {
    "payments-dev": (
        "Payments development",
        "build",
        200,
        ["priya.natarajan", "tom.okafor", "diego.alvarez"],
    ),
    "storefront-dev": (
        "Storefront development",
        "build",
        240,
        ["lena.fischer", "marco.rossi", "nina.kowalski"],
    ),
    "fulfilment-dev": ("Fulfilment development", "build", 160, ["aiko.tanaka", "sam.whitfield"]),
    "data-platform": ("Data platform", "build", 120, ["nina.kowalski", "diego.alvarez"]),
    "payments-ops": ("Payments operations", "run", 120, ["grace.liu", "omar.haddad", "ben.carter"]),
    "storefront-sre": ("Storefront SRE", "run", 160, ["hannah.berg", "kofi.mensah", "jonas.lind"]),
    "fulfilment-support": ("Fulfilment support", "run", 80, ["rachel.adams", "fatima.zahra"]),
    "service-desk": ("Service desk", "run", 200, ["fatima.zahra", "ben.carter", "sofia.ricci"]),
    "customer-care": ("Customer care", "business", 320, ["lucas.silva", "sofia.ricci"]),
    "marketing": ("Marketing", "business", 120, ["emma.dubois", "chloe.martin"]),
}

STANDARD_WARRANTY = {"threshold": {"defects": 1, "per": "14d"}, "min_days": 30, "max_days": 120}
CRITICAL_WARRANTY = {
    "threshold": {"defects": 1, "per": "21d"},
    "min_days": 45,
    "max_days": 150,
    "severities": ["critical", "high"],
}


def _slos(*items: tuple[str, float, str, str]) -> list[dict[str, Any]]:
    return [{"name": n, "objective": o, "window": w, "description": d} for n, o, w, d in items]


AVAILABILITY = (
    "availability",
    99.9,
    "30d",
    "Successful requests / all requests, measured at the load balancer.",
)
AVAILABILITY_CRITICAL = ("availability", 99.95, "30d", "Successful requests / all requests, at the edge.")
LATENCY = ("latency-p95", 99.0, "7d", "Requests answered within 400 ms.")

# Products, by stage. go_live: days before today (products in pilot go live for a
# cohort only; warranty and operate have a production go-live; retired ones had one).
PRODUCTS: list[dict[str, Any]] = [
    {
        "slug": "recommendations",
        "name": "Product Recommendations",
        "description": "Suggests gear that goes with what is in the basket, from order history.",
        "tier": 3,
        "stage": "plan",
        "leads": ("nina.kowalski", "kofi.mensah"),
        "teams": ("data-platform", "storefront-sre"),
        "stakeholders": [("analytics", "mei.chen"), ("marketing", "emma.dubois"), ("design", "olivia.brown")],
        "tags": ["personalisation", "ml"],
    },
    {
        "slug": "gift-cards",
        "name": "Gift Cards",
        "description": "Digital and physical gift cards, redeemable online and in store.",
        "tier": 2,
        "stage": "plan",
        "leads": ("tom.okafor", "grace.liu"),
        "teams": ("payments-dev", "payments-ops"),
        "stakeholders": [("sales", "ravi.shah"), ("customer service", "lucas.silva")],
        "tags": ["payments"],
    },
    {
        "slug": "fraud-scoring",
        "name": "Fraud Scoring",
        "description": "Scores every card payment for fraud risk before authorisation.",
        "tier": 1,
        "stage": "build",
        "leads": ("diego.alvarez", "omar.haddad"),
        "teams": ("payments-dev", "payments-ops"),
        "stakeholders": [("analytics", "mei.chen"), ("customer service", "sofia.ricci")],
        "tags": ["payments", "ml", "pci"],
        "slos": _slos(("decision-latency", 99.5, "7d", "Scores returned within 150 ms.")),
    },
    {
        "slug": "returns-portal",
        "name": "Returns Portal",
        "description": "Self-service returns and exchanges, with printable labels.",
        "tier": 3,
        "stage": "build",
        "leads": ("sam.whitfield", "rachel.adams"),
        "teams": ("fulfilment-dev", "fulfilment-support"),
        "stakeholders": [("customer service", "lucas.silva"), ("design", "chloe.martin")],
        "tags": ["fulfilment", "self-service"],
    },
    {
        "slug": "loyalty-app",
        "name": "Trailpoints Loyalty App",
        "description": "Mobile app for the Trailpoints loyalty programme: points, rewards, member prices.",
        "tier": 3,
        "stage": "pilot",
        "leads": ("marco.rossi", "jonas.lind"),
        "teams": ("storefront-dev", "storefront-sre"),
        "stakeholders": [
            ("marketing", "emma.dubois"),
            ("design", "olivia.brown"),
            ("analytics", "mei.chen"),
            ("sales", "pedro.gomez"),
        ],
        "tags": ["mobile", "loyalty"],
        "slos": _slos(AVAILABILITY),
        "oncall": "storefront-primary",
        "warranty": STANDARD_WARRANTY,
        "go_live": 21,
    },
    {
        "slug": "customer-notifications",
        "name": "Customer Notifications",
        "description": "Order, shipping and back-in-stock emails, SMS and push messages.",
        "tier": 2,
        "stage": "pilot",
        "leads": ("aiko.tanaka", "fatima.zahra"),
        "teams": ("fulfilment-dev", "service-desk"),
        "stakeholders": [("marketing", "emma.dubois"), ("customer service", "sofia.ricci")],
        "tags": ["messaging"],
        "slos": _slos(("delivery", 99.0, "7d", "Messages handed to the provider within 5 minutes.")),
        "oncall": "fulfilment-primary",
        "warranty": STANDARD_WARRANTY,
        "go_live": 10,
    },
    {
        "slug": "payments-api",
        "name": "Payments API",
        "description": "Takes card and wallet payments for the web shop, the app and the stores.",
        "tier": 1,
        "stage": "warranty",
        "leads": ("priya.natarajan", "grace.liu"),
        "teams": ("payments-dev", "payments-ops"),
        "stakeholders": [
            ("customer service", "lucas.silva"),
            ("sales", "ravi.shah"),
            ("analytics", "mei.chen"),
        ],
        "tags": ["payments", "pci"],
        "slos": _slos(AVAILABILITY_CRITICAL, LATENCY),
        "oncall": "payments-primary",
        "warranty": CRITICAL_WARRANTY,
        "go_live": 38,
        "facts": {"pci_scope": True, "test_coverage": 0.86},
        "integrations": {"pagerduty_service": "PPAYAPI"},
    },
    {
        "slug": "inventory-sync",
        "name": "Inventory Sync",
        "description": "Keeps stock levels of 140 stores and two warehouses in step with the web shop.",
        "tier": 2,
        "stage": "warranty",
        "leads": ("sam.whitfield", "rachel.adams"),
        "teams": ("fulfilment-dev", "fulfilment-support"),
        "stakeholders": [("sales", "pedro.gomez"), ("analytics", "mei.chen")],
        "tags": ["fulfilment", "stores"],
        "slos": _slos(("freshness", 99.0, "7d", "Stock levels less than 5 minutes old.")),
        "oncall": "fulfilment-primary",
        "warranty": STANDARD_WARRANTY,
        "go_live": 16,
        "facts": {"test_coverage": 0.71},
    },
    {
        "slug": "checkout-web",
        "name": "Web Checkout",
        "description": "Basket, delivery options and payment pages of acme-outdoor.example.",
        "tier": 1,
        "stage": "operate",
        "leads": ("lena.fischer", "hannah.berg"),
        "teams": ("storefront-dev", "storefront-sre"),
        "stakeholders": [
            ("design", "chloe.martin"),
            ("sales", "ravi.shah"),
            ("marketing", "emma.dubois"),
            ("customer service", "lucas.silva"),
            ("analytics", "mei.chen"),
        ],
        "tags": ["storefront", "pci"],
        "slos": _slos(AVAILABILITY_CRITICAL, LATENCY),
        "oncall": "storefront-primary",
        "warranty": CRITICAL_WARRANTY,
        "go_live": 420,
        "integrations": {"pagerduty_service": "PCHKOUT"},
    },
    {
        "slug": "catalog-search",
        "name": "Catalog Search",
        "description": "Search and filters over 38,000 products, with synonyms and spelling fixes.",
        "tier": 2,
        "stage": "operate",
        "leads": ("marco.rossi", "kofi.mensah"),
        "teams": ("storefront-dev", "storefront-sre"),
        "stakeholders": [("design", "olivia.brown"), ("analytics", "mei.chen")],
        "tags": ["storefront", "search"],
        "slos": _slos(AVAILABILITY, ("latency-p95", 99.0, "7d", "Results within 300 ms.")),
        "oncall": "storefront-primary",
        "warranty": STANDARD_WARRANTY,
        "go_live": 610,
    },
    {
        "slug": "order-management",
        "name": "Order Management",
        "description": "Order lifecycle from payment to delivery, for the web shop and click-and-collect.",
        "tier": 1,
        "stage": "operate",
        "leads": ("aiko.tanaka", "rachel.adams"),
        "teams": ("fulfilment-dev", "fulfilment-support"),
        "stakeholders": [("customer service", "sofia.ricci"), ("sales", "pedro.gomez")],
        "tags": ["fulfilment"],
        "slos": _slos(AVAILABILITY_CRITICAL),
        "oncall": "fulfilment-primary",
        "warranty": CRITICAL_WARRANTY,
        "go_live": 890,
    },
    {
        "slug": "data-warehouse",
        "name": "Data Warehouse",
        "description": "Nightly sales, stock and web analytics for finance, buying and marketing.",
        "tier": 3,
        "stage": "operate",
        "leads": ("diego.alvarez", "ben.carter"),
        "teams": ("data-platform", "service-desk"),
        "stakeholders": [("analytics", "mei.chen"), ("marketing", "emma.dubois")],
        "tags": ["data"],
        "slos": _slos(("load-complete", 98.0, "30d", "Nightly load finished by 06:00.")),
        "oncall": "data-business-hours",
        "warranty": STANDARD_WARRANTY,
        "go_live": 1200,
    },
    {
        "slug": "support-console",
        "name": "Support Console",
        "description": "What customer care agents see: orders, returns, payments and notes in one place.",
        "tier": 3,
        "stage": "operate",
        "leads": ("nina.kowalski", "fatima.zahra"),
        "teams": ("storefront-dev", "service-desk"),
        "stakeholders": [("customer service", "lucas.silva"), ("design", "chloe.martin")],
        "tags": ["internal"],
        "slos": _slos(AVAILABILITY),
        "oncall": "service-desk-business-hours",
        "warranty": STANDARD_WARRANTY,
        "go_live": 300,
    },
    {
        "slug": "legacy-checkout",
        "name": "Legacy Checkout",
        "description": "The old checkout, kept read-only for order history until the data is migrated.",
        "tier": 2,
        "stage": "retire",
        "leads": ("lena.fischer", "hannah.berg"),
        "teams": ("storefront-dev", "storefront-sre"),
        "stakeholders": [("customer service", "lucas.silva")],
        "tags": ["storefront", "legacy"],
        "slos": _slos(("availability", 99.0, "30d", "Order history pages answer.")),
        "oncall": "storefront-primary",
        "go_live": 2400,
    },
    {
        "slug": "store-locator",
        "name": "Store Locator",
        "description": "Find a store by town or postcode; replaced by the map in the loyalty app.",
        "tier": 4,
        "stage": "retire",
        "leads": ("marco.rossi", "jonas.lind"),
        "teams": ("storefront-dev", "storefront-sre"),
        "stakeholders": [("marketing", "emma.dubois")],
        "tags": ["storefront", "legacy"],
        "go_live": 1900,
    },
]


def seed(*, actor: Actor, today: date, rng: random.Random) -> None:
    for handle, name in PEOPLE.items():
        services.upsert_person(actor=actor, email=_e(handle), name=name)
    for slug, (name, kind, capacity, members) in TEAMS.items():
        spec = TeamSpec(kind=kind, capacity_hours_per_week=capacity, members=[_e(m) for m in members])  # type: ignore[arg-type]
        services.upsert_team(actor=actor, slug=slug, name=name, spec=spec)
    for product in PRODUCTS:
        services.save_product(
            actor=actor, slug=product["slug"], name=product["name"], spec=_spec(product, today)
        )


def _spec(product: dict[str, Any], today: date) -> ProductSpec:
    slug = product["slug"]
    build_lead, run_lead = product["leads"]
    build_team, run_team = product["teams"]
    links = {
        "repo": f"https://github.com/acme/{slug}",
        "dashboard": f"https://grafana.acme.example.com/d/{slug}",
    }
    if product["stage"] != "plan":
        links["ci"] = f"https://github.com/acme/{slug}/actions"
    data: dict[str, Any] = {
        "description": product["description"],
        "tier": product["tier"],
        "stage": product["stage"],
        "tags": product.get("tags", []),
        "links": links,
        "owners": {"build_lead": _e(build_lead), "run_lead": _e(run_lead)},
        "teams": {"build": build_team, "run": run_team},
        "stakeholders": [{"function": f, "person": _e(p)} for f, p in product.get("stakeholders", [])],
        "slos": product.get("slos", []),
        "facts": product.get("facts", {}),
        "integrations": product.get("integrations", {}),
    }
    if product.get("oncall"):
        data["oncall"] = {
            "rotation": product["oncall"],
            "schedule_url": f"https://acme.pagerduty.example.com/schedules/{product['oncall']}",
        }
    if product.get("warranty"):
        data["warranty"] = product["warranty"]
    if product.get("go_live") is not None:
        data["go_live"] = today - timedelta(days=product["go_live"])
    return ProductSpec.model_validate(data)
