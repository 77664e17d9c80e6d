"""Words for a verdict, made from the numbers that decided it: each sentence states figures
of this situation, and a sentence whose figure is zero or does not apply is left out."""

from __future__ import annotations

from . import figures as fx
from .figures import Figures, names
from .money import compact_money, full_money, money_range, percent, signed_money
from .plans import SIDE, SKILL, SWITCH
from .validate import Situation

MARKET_NAMES = {"us": "the US", "uk": "the UK", "in": "India", "ae": "the UAE"}
URGENCY_WORDS = {"now": "within a few months", "soon": "within a year", "flexible": "within three years"}


def hours(value: float) -> str:
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def months(value: float) -> str:
    return hours(round(value * 2) / 2)


def skill_name(skill: str | None) -> str:
    return names("skills")[skill]["name"] if skill else "a new skill"


def step_label(path: str, skill: str | None) -> str:
    return {SWITCH: "Switch jobs", SKILL: f"Learn {skill_name(skill)}", SIDE: "Take on side work",
            "stay_put": "Stay where you are"}[path]


def step_phrase(path: str, skill: str | None) -> str:
    """The first step as the subject of a sentence."""
    return {SWITCH: "switching jobs", SKILL: f"learning {skill_name(skill)}", SIDE: "side work",
            "stay_put": "staying put"}[path]


def month_span(start: int, end: int | None) -> str:
    if end is None:
        return f"from month {start}"
    return f"month {start}" if end <= start else f"months {start}–{end}"


# Step summaries ----------------------------------------------------------------------------

def step_summary(path: str, start: int, end: int | None, hours_a_week: float, f: Figures, currency: str) -> str:
    span = month_span(start, end)
    if path == SKILL:
        fee = f" and about {compact_money(f.study_fee, currency)} in fees" if f.study_fee > 0 else ""
        return (f"Learn {skill_name(f.skill)} in {span} at {hours(hours_a_week)} spare hours a week "
                f"({hours(f.study_hours)} hours in all{fee}).")
    if path == SWITCH:
        how = (f"with {hours(hours_a_week)} spare hours a week for applications and interviews"
               if hours_a_week > 0 else "in working time, with no spare hours")
        return f"Look for a better-paid job {how}; the first new paycheck is expected around month {end}."
    billed = fx.billed_hours(f, hours_a_week)
    return (f"Do side work {span} at {hours(hours_a_week)} spare hours a week, of which clients "
            f"typically buy about {hours(billed)}.")


# Path reasons ------------------------------------------------------------------------------

def switch_reasons(p, f: Figures, s: Situation, currency: str, gains: dict) -> list[str]:
    money = lambda amount: compact_money(amount, currency)  # noqa: E731
    reasons = []
    if f.catch_up > 0:
        reasons.append(f"You earn {money(f.band_mid - f.salary)} below the band midpoint of {money(f.band_mid)}; "
                       f"a new employer would close about {percent(p('job_switch.catch_up_share'))} of that gap, "
                       f"about {money(f.catch_up)} a year.")
    market_premium = p(f"job_switch.premium.{s.market}")
    premium = fx.switch_premium(f, False)
    if f.band_taper < 1:
        reasons.append(f"Your pay is above the band's top of {money(f.band_high)}, so a new employer has less "
                       f"to add: the premium for moving is cut to {percent(f.band_taper)} of its usual size.")
    held = f.counted_held
    extra = (f", plus {percent(f.premium_per_skill)} for each of the {held} in-demand skill{'s' if held > 1 else ''} "
             "you hold" if held else "")
    reasons.append(f"Moving pays about {percent(market_premium * f.band_taper)} over the yearly raise in "
                   f"{MARKET_NAMES[s.market]}{extra}: about {money((f.salary + f.catch_up) * premium)} a year.")
    landing = fx.landing_chance(f, False)
    both = landing + (1 - landing) * landing
    reasons.append(f"One search lands a better offer about {percent(landing)} of the time, "
                   f"{percent(both)} with a second try; the first new paycheck comes after about "
                   f"{months(fx.search_months(f, min(s.hours_per_week, f.search_hours_cap)))} months.")
    if f.promotion_chance_without > 0:
        reasons.append(f"Moving gives up your promotion track: about a {percent(f.promotion_chance_without)} chance "
                       f"of a {percent(f.promotion_increase)} rise, worth about "
                       f"{money(fx.forfeited_promotion(f, f.promotion_chance_without))} a year.")
    reasons.append(f"Expected on its own: {signed_money(gains['gain_12m'], currency)} by month 12 and "
                   f"{signed_money(gains['gain_36m'], currency)} by month 36, before income tax.")
    return reasons


def skill_reasons(p, f: Figures, s: Situation, currency: str, gains: dict, uplift: dict | None) -> list[str]:
    if f.skill is None:
        return ["You already hold every skill the model knows, so there is no skill left to add."]
    money = lambda amount: compact_money(amount, currency)  # noqa: E731
    name = skill_name(f.skill)
    plural = names("roles")[s.role]["plural"]
    reasons = [f"{name} is worth about {money(uplift['low'])} to {money(uplift['high'])} a year more for {plural}; "
               f"someone new to it captures about {percent(p('skill_upgrade.realised_share'))} of that at first."]
    if s.hours_per_week <= 0:
        reasons.append("With no spare hours a week there is no time to learn it.")
        return reasons
    study = fx.study_months(f, s.hours_per_week)
    reasons.append(f"At {hours(s.hours_per_week)} spare hours a week it takes about {months(study)} months "
                   f"({hours(f.study_hours)} hours) to become marketable; about "
                   f"{percent(f.completion_chance)} of learners finish.")
    if f.promotion_increase > 0:
        reasons.append(f"On your promotion track it lifts the chance of the promotion from about "
                       f"{percent(f.promotion_chance_without)} to {percent(f.promotion_chance_with)}, decided about "
                       f"{months(f.promotion_wait)} months after you are marketable.")
    else:
        reasons.append(f"Without a promotion track or a move, an employer's yearly review pays about "
                       f"{percent(f.stay_capture)} of it; a move after learning it pays the rest.")
    reasons.append(f"Expected on its own: {signed_money(gains['gain_12m'], currency)} by month 12 and "
                   f"{signed_money(gains['gain_36m'], currency)} by month 36, after fees.")
    return reasons


def side_reasons(f: Figures, s: Situation, currency: str, gains: dict) -> list[str]:
    if s.hours_per_week <= 0:
        return ["With no spare hours a week there is no time for side work, so it earns nothing."]
    money = lambda amount: compact_money(amount, currency)  # noqa: E731
    rate = fx.side_hourly_rate(f, f.missing_client_skills)
    first = f"Clients pay about {money(f.side_rate)} an hour for work at your level, close to what your salary comes to an hour"
    if f.missing_client_skills:
        cut = min(1.0, f.missing_skill_discount * f.missing_client_skills)
        first += (f"; without the cloud deployment and API design skills they ask for, about {money(rate)} "
                  f"({percent(cut)} less)")
    reasons = [first + "."]
    billed = fx.billed_hours(f, s.hours_per_week)
    reasons.append(f"Of {hours(s.hours_per_week)} spare hours a week, clients typically buy about {hours(billed)}; "
                   f"each extra hour bills less, up to about {hours(f.billed_hours_cap)} a week.")
    full = fx.side_monthly_income(f, s.hours_per_week, rate, 1.0)
    reasons.append(f"With steady clients that is about {money(full)} a month after fees, reached after about "
                   f"{months(f.ramp_months)} months; there is about a {percent(1 - f.client_chance)} chance of "
                   "finding none and earning almost nothing.")
    reasons.append(f"Expected on its own: {signed_money(gains['gain_12m'], currency)} by month 12 and "
                   f"{signed_money(gains['gain_36m'], currency)} by month 36, before income tax.")
    return reasons


# The plan ----------------------------------------------------------------------------------

def plan_reason(first: str, plan_value: float, singles: dict[str, float], ranking_month: int, f: Figures,
                steps: list[dict], currency: str) -> str:
    """Why this plan: its value against the best single path at the ranking month, and what
    the order of its steps buys."""
    best_single = max(singles, key=lambda path: (singles[path], path == SWITCH))
    by = f"by month {ranking_month}"
    if first == "stay_put":
        return (f"No plan is expected to beat staying put {by}: the best single path, "
                f"{step_phrase(best_single, f.skill)}, would be at {signed_money(singles[best_single], currency)}.")
    text = f"This plan is expected to bring {signed_money(plan_value, currency)} {by}"
    paths = [step["path"] for step in steps]
    if len(set(paths)) > 1 and singles[best_single] < plan_value:
        text += f", against {signed_money(singles[best_single], currency)} for {step_phrase(best_single, f.skill)} alone"
    text += "."
    if SKILL in paths and SWITCH in paths and paths.index(SKILL) < paths.index(SWITCH):
        before, after = fx.landing_chance(f, False), fx.landing_chance(f, True)
        lift = f" lifts the chance of an offer from {percent(before)} to {percent(after)} and" if after > before else ""
        text += (f" Learning {skill_name(f.skill)} first{lift} adds about "
                 f"{compact_money(fx.offer_gain(f, True) - fx.offer_gain(f, False), currency)} a year to the offer.")
    switch = next((step for step in steps if step["path"] == SWITCH), None)
    if switch and switch["hours_per_week"] == 0 and SIDE in paths:
        text += " The search runs in working time, so the spare hours go to side work."
    elif SIDE in paths and paths[0] != SIDE:
        text += " Side work takes the spare hours the other steps leave free."
    return text


def headline(first: str, skill: str | None, plan_range: dict, ranking_month: int, currency: str) -> str:
    if first == "stay_put":
        return f"Stay where you are for now: no plan is expected to beat staying put by month {ranking_month}."
    likely = money_range(plan_range["p10"], plan_range["p90"], currency)
    return f"{step_label(first, skill)} first: likely {likely} by month {ranking_month}."


# Tipping points ----------------------------------------------------------------------------

def tipping_sentence(field: str, value, current, first: str, skill: str | None, currency: str) -> str:
    outcome = ("staying put would be best" if first == "stay_put"
               else f"{step_phrase(first, skill)} would come first")
    if field == "hours_per_week":
        change = value - current
        more = "more" if change > 0 else "fewer"
        return f"With {hours(abs(change))} {more} spare hours a week ({hours(value)} in all), {outcome}."
    if field == "salary":
        return f"At a salary of {full_money(value, currency)} instead of {full_money(current, currency)}, {outcome}."
    if field == "urgency":
        return f"If you needed the extra income {URGENCY_WORDS[value]}, {outcome}."
    if field == "promotion_track":
        return f"{'On' if value else 'Off'} a promotion track, {outcome}."
    return f"If you already had {skill_name(value[-1])}, {outcome}."

