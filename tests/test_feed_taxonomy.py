"""The two lists the feed takes from outside sources, pinned to what was checked there.

- Apple Podcasts categories (podcast/data/apple_categories.json), checked 2026-12-06 against
  copies of https://podcasters.apple.com/support/1691-apple-podcasts-categories
  (https://witandwire.com/apple-podcast-categories, updated Jan 2021, and two independent
  open-source lists that cite Apple's page). Apple's own page could not be fetched.
- Podcast Taxonomy Project roles/groups for `podcast:person` (ROLE_GROUPS in
  podcast/feed/render.py), checked against taxonomy.json below.
"""

from __future__ import annotations

import json

import lxml.etree as ET
import pytest

from podcast.feed.categories import CATEGORIES_JSON, apple_categories, check_category
from podcast.feed.extensions import PersonTag, _person
from podcast.feed.namespaces import PODCAST_NS
from podcast.feed.render import ROLE_GROUPS, _person_tag

# ------------------------------------------------------------------ Apple categories

# Apple's list as found in the sources above, in Apple's order (History before Health).
VERIFIED_APPLE_CATEGORIES = {
    "Arts": ("Books", "Design", "Fashion & Beauty", "Food", "Performing Arts", "Visual Arts"),
    "Business": ("Careers", "Entrepreneurship", "Investing", "Management", "Marketing",
                 "Non-Profit"),
    "Comedy": ("Comedy Interviews", "Improv", "Stand-Up"),
    "Education": ("Courses", "How To", "Language Learning", "Self-Improvement"),
    "Fiction": ("Comedy Fiction", "Drama", "Science Fiction"),
    "Government": (),
    "History": (),
    "Health & Fitness": ("Alternative Health", "Fitness", "Medicine", "Mental Health",
                         "Nutrition", "Sexuality"),
    "Kids & Family": ("Education for Kids", "Parenting", "Pets & Animals", "Stories for Kids"),
    "Leisure": ("Animation & Manga", "Automotive", "Aviation", "Crafts", "Games", "Hobbies",
                "Home & Garden", "Video Games"),
    "Music": ("Music Commentary", "Music History", "Music Interviews"),
    "News": ("Business News", "Daily News", "Entertainment News", "News Commentary",
             "Politics", "Sports News", "Tech News"),
    "Religion & Spirituality": ("Buddhism", "Christianity", "Hinduism", "Islam", "Judaism",
                                "Religion", "Spirituality"),
    "Science": ("Astronomy", "Chemistry", "Earth Sciences", "Life Sciences", "Mathematics",
                "Natural Sciences", "Nature", "Physics", "Social Sciences"),
    "Society & Culture": ("Documentary", "Personal Journals", "Philosophy", "Places & Travel",
                          "Relationships"),
    "Sports": ("Baseball", "Basketball", "Cricket", "Fantasy Sports", "Football", "Golf",
               "Hockey", "Rugby", "Running", "Soccer", "Swimming", "Tennis", "Volleyball",
               "Wilderness", "Wrestling"),
    "Technology": (),
    "True Crime": (),
    "TV & Film": ("After Shows", "Film History", "Film Interviews", "Film Reviews",
                  "TV Reviews"),
}


def test_category_file_is_the_verified_list_in_apples_order():
    cats = apple_categories()
    assert list(cats) == list(VERIFIED_APPLE_CATEGORIES)
    assert cats == VERIFIED_APPLE_CATEGORIES
    assert (len(cats), sum(map(len, cats.values()))) == (19, 91)


def test_category_names_are_plain_ascii_without_stray_spaces():
    # a typographic ampersand, en dash or non-breaking space would look right and never match
    data = json.loads(CATEGORIES_JSON.read_text(encoding="utf-8"))["categories"]
    for name in [*data, *(s for subs in data.values() for s in subs)]:
        assert name.isascii() and name == name.strip() and "  " not in name, repr(name)
        assert "&" not in name or " & " in name, repr(name)  # "A & B", never "A&B" or "&amp;"


@pytest.mark.parametrize("cat, sub", [
    ("Arts", "Books"),
    ("Business", "Non-Profit"),
    ("Comedy", "Stand-Up"),
    ("Education", "How To"),
    ("Education", "Self-Improvement"),
    ("Kids & Family", "Pets & Animals"),
    ("Leisure", "Animation & Manga"),
    ("Society & Culture", "Places & Travel"),
    ("Religion & Spirituality", "Religion"),
    ("TV & Film", "After Shows"),
    ("TV & Film", None),
    ("History", None),
    ("True Crime", None),
])
def test_apple_categories_accepted(cat, sub):
    assert check_category(cat, sub) == []


@pytest.mark.parametrize("cat, sub, field, bad, fix", [
    # spelled differently from Apple
    ("Health and Fitness", None, "category", "Health and Fitness",
     "did you mean 'Health & Fitness'?"),
    ("Kids &amp; Family", None, "category", "Kids &amp; Family", "did you mean 'Kids & Family'?"),
    ("TV and Film", None, "category", "TV and Film", "did you mean 'TV & Film'?"),
    ("Education", "How-To", "subcategory", "How-To", "did you mean 'How To'?"),
    ("Comedy", "Stand Up", "subcategory", "Stand Up", "did you mean 'Stand-Up'?"),
    ("Business", "Nonprofit", "subcategory", "Nonprofit", "did you mean 'Non-Profit'?"),
    ("Education", "Self Improvement", "subcategory", "Self Improvement",
     "did you mean 'Self-Improvement'?"),
    # retired in 2019
    ("Games & Hobbies", None, "category", "Games & Hobbies", "use one of: Arts, Business,"),
    ("Science & Medicine", None, "category", "Science & Medicine", "did you mean 'Science'?"),
    ("Technology", "Podcasting", "subcategory", "Podcasting", "remove 'subcategory'"),
    ("Arts", "Literature", "subcategory", "Literature", "use one of: Books, Design"),
    ("Society & Culture", "History", "subcategory", "History", "use one of: Documentary,"),
])
def test_wrong_or_retired_categories_rejected(cat, sub, field, bad, fix):
    ((got_field, message, got_fix),) = check_category(cat, sub)
    assert got_field == field
    assert f"'{bad}'" in message
    assert fix in got_fix
    if field == "category":
        assert "is not an Apple Podcasts category" in message
    else:
        assert f"'{bad}' is not a sub-category of '{cat}'" in message


def test_sub_category_message_says_where_the_name_belongs():
    ((_, message, _),) = check_category("Society & Culture", "History")
    assert message.endswith("('History' is a category of its own)")
    ((_, message, fix),) = check_category("Technology", "Tech News")
    assert "'Technology' has no sub-categories ('Tech News' belongs to 'News')" in message
    assert fix == "remove 'subcategory'"


# ------------------------------------------------------------------ podcast:person roles

# (group, role) pairs from taxonomy.json in Podcastindex-org/podcast-namespace,
# https://github.com/Podcastindex-org/podcast-namespace/blob/main/taxonomy.json
# (commit ac6997ac2cc6a0daaac919f4a967b55c4ceb2cec), read 2026-12-06. Descriptions and examples
# left out. An older commit (0c0669f6) still spelled "Translater " and had trailing spaces.
TAXONOMY = (
    ("Creative Direction", "Director"),
    ("Creative Direction", "Assistant Director"),
    ("Creative Direction", "Executive Producer"),
    ("Creative Direction", "Senior Producer"),
    ("Creative Direction", "Producer"),
    ("Creative Direction", "Associate Producer"),
    ("Creative Direction", "Development Producer"),
    ("Creative Direction", "Creative Director"),
    ("Cast", "Host"),
    ("Cast", "Co-Host"),
    ("Cast", "Guest Host"),
    ("Cast", "Guest"),
    ("Cast", "Voice Actor"),
    ("Cast", "Narrator"),
    ("Cast", "Announcer"),
    ("Cast", "Reporter"),
    ("Writing", "Author"),
    ("Writing", "Editorial Director"),
    ("Writing", "Co-Writer"),
    ("Writing", "Writer"),
    ("Writing", "Songwriter"),
    ("Writing", "Guest Writer"),
    ("Writing", "Story Editor"),
    ("Writing", "Managing Editor"),
    ("Writing", "Script Editor"),
    ("Writing", "Script Coordinator"),
    ("Writing", "Researcher"),
    ("Writing", "Editor"),
    ("Writing", "Fact Checker"),
    ("Writing", "Translator"),
    ("Writing", "Transcriber"),
    ("Writing", "Logger"),
    ("Audio Production", "Studio Coordinator"),
    ("Audio Production", "Technical Director"),
    ("Audio Production", "Technical Manager"),
    ("Audio Production", "Audio Engineer"),
    ("Audio Production", "Remote Recording Engineer"),
    ("Audio Production", "Post Production Engineer"),
    ("Audio Post-Production", "Audio Editor"),
    ("Audio Post-Production", "Sound Designer"),
    ("Audio Post-Production", "Foley Artist"),
    ("Audio Post-Production", "Composer"),
    ("Audio Post-Production", "Theme Music"),
    ("Audio Post-Production", "Music Production"),
    ("Audio Post-Production", "Music Contributor"),
    ("Administration", "Production Coordinator"),
    ("Administration", "Booking Coordinator"),
    ("Administration", "Production Assistant"),
    ("Administration", "Content Manager"),
    ("Administration", "Marketing Manager"),
    ("Administration", "Sales Representative"),
    ("Administration", "Sales Manager"),
    ("Visuals", "Graphic Designer"),
    ("Visuals", "Cover Art Designer"),
    ("Community", "Social Media Manager"),
    ("Misc.", "Consultant"),
    ("Misc.", "Intern"),
    ("Video Production", "Camera Operator"),
    ("Video Production", "Lighting Designer"),
    ("Video Production", "Camera Grip"),
    ("Video Production", "Assistant Camera"),
    ("Video Post-Production", "Editor"),
    ("Video Post-Production", "Assistant Editor"),
)
# The namespace: "The role and group attributes are case-insensitive."
PAIRS = {(g.casefold(), r.casefold()) for g, r in TAXONOMY}
ROLES = {r for _, r in PAIRS}


def test_every_mapped_role_is_in_the_taxonomy_under_that_group():
    wrong = {role: group for role, group in ROLE_GROUPS.items()
             if (group.casefold(), role.casefold()) not in PAIRS}
    assert wrong == {}
    # looked up after .lower(), so a key with capitals would never match
    assert all(role == role.strip().lower() for role in ROLE_GROUPS)


@pytest.mark.parametrize("role, group", [
    ("audio engineer", "audio production"),
    ("audio editor", "audio post-production"),
    ("composer", "audio post-production"),
    ("sound designer", "audio post-production"),
    ("translator", "writing"),
    ("guest", "cast"),
])
def test_groups_that_were_once_wrong(role, group):
    assert ROLE_GROUPS[role] == group


def _attrs(tag: PersonTag) -> dict[str, str]:
    parent = ET.Element("item")
    _person(parent, tag)
    (el,) = parent.findall(f"{{{PODCAST_NS}}}person")
    return dict(el.attrib)


@pytest.mark.parametrize("role", ["host", "guest", "Host", " Audio Editor ", "Cover Art Designer"])
def test_person_tag_writes_a_taxonomy_pair(role):
    attrs = _attrs(_person_tag("Sam", role))
    assert (attrs["group"], attrs["role"]) in PAIRS


def test_person_tag_defaults_are_in_the_taxonomy():
    attrs = _attrs(PersonTag("Sam"))
    assert (attrs["group"], attrs["role"]) == ("cast", "host")
    assert ("cast", "host") in PAIRS


def test_role_outside_the_taxonomy_gets_no_group():
    assert "patient" not in ROLES
    attrs = _attrs(_person_tag("Sam", "Patient"))
    assert attrs == {"role": "patient"}
