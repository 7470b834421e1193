"""The services (the profile's categories) and their definitions, and which kecamatan a request speaks of."""

from __future__ import annotations

from core.kabupaten import Kabupaten
from core.profile import Category, Profile
from core.texts import text
from open311.render import Problem, Value

DESA = "desa"  # the one attribute: where the problem is (the desk may set or correct it while verifying)


def scope(kabupaten: Kabupaten, jurisdiction: str | None, required: bool = True) -> list[Profile]:
    """The kecamatan `jurisdiction_id` names (its Kemendagri code or its slug); without one, the install's only
    kecamatan, or (not `required`) all of them; else the specification's 400 (or 404 for an unknown one)."""
    jurisdiction = (jurisdiction or "").strip()
    if not jurisdiction:
        if required and len(kabupaten) > 1:
            raise Problem(400, "jurisdiction_missing", known=known(kabupaten))
        return list(kabupaten)
    found = kabupaten.profiles.get(jurisdiction) or next(
        (p for p in kabupaten if p.kemendagri_code == jurisdiction), None)
    if found is None:
        raise Problem(404, "jurisdiction_unknown", value=jurisdiction[:40], known=known(kabupaten))
    return [found]


def jurisdiction_id(profile: Profile) -> str:
    """What names the kecamatan to clients: its Kemendagri code, else its slug."""
    return profile.kemendagri_code or profile.code


def known(kabupaten: Kabupaten) -> str:
    return ", ".join(f"{p.kemendagri_code} ({p.code})" if p.kemendagri_code else p.code for p in kabupaten)


def categories(profiles: list[Profile]) -> list[tuple[Profile, Category]]:
    """Each category once (a kabupaten's kecamatan mostly share theirs), with the first profile listing it."""
    seen: dict[str, tuple[Profile, Category]] = {}
    for profile in profiles:
        for category in profile.categories:
            seen.setdefault(category.code, (profile, category))
    return list(seen.values())


def service(profile: Profile, category: Category, locale: str) -> dict[str, Value]:
    """One entry of GET services, in the specification's field order."""
    group = next(g for g in profile.category_groups if g.code == category.group)
    words = dict.fromkeys([category.label, category.label_en, group.label, group.label_en])
    return {"service_code": category.code, "service_name": category.label_for(locale),
            "description": category.description or category.label_for(locale), "metadata": True,
            "type": "realtime", "keywords": ", ".join(words), "group": group.label_for(locale)}


def services(profiles: list[Profile], locale: str) -> list[Value]:
    return [service(p, c, locale) for p, c in categories(profiles)]


def definition(profiles: list[Profile], code: str, locale: str) -> dict[str, Value]:
    """GET services/{code}: the desa to pick from (optional), of the kecamatan in scope."""
    if not any(c.code == code for _, c in categories(profiles)):
        raise Problem(404, "service_unknown", value=code[:40])
    several = len(profiles) > 1
    values: list[Value] = [{"key": d.name, "name": f"{d.name} ({p.name})" if several else d.name}
                           for p in profiles for d in p.desa]
    return {"service_code": code, "attributes": [{
        "variable": True, "code": DESA, "datatype": "singlevaluelist", "required": False,
        "datatype_description": text("open311.desa_datatype", locale), "order": 1,
        "description": text("open311.desa", locale), "values": values}]}
