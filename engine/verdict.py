"""Weigh the three paths for one situation: rank them, order them, and say why."""

from __future__ import annotations

from dataclasses import dataclass

from . import model
from .bands import salary_band_figures, skill_cost, skill_uplift_figures
from .money import compact_money, full_money, percent
from .params import ParamView, catalog_data, parameter_index
from .validate import Situation, situation

PATH_ORDER = ("job_switch", "skill_upgrade", "side_hustle")  # tie-break: side hustle last
PATH_LABELS = {"job_switch": "Switch jobs", "skill_upgrade": "Upgrade a skill", "side_hustle": "Start a side hustle"}


@dataclass(frozen=True)
class Context:
    """Figures every path needs, derived once from the situation."""

    currency: str
    band: dict
    salary: float
    in_demand: tuple[str, ...]
    counted_in_demand: int
    missing_client_skills: tuple[str, ...]
    gross_rate: float
    hourly_value: float


def names(kind: str) -> dict[str, dict]:
    return catalog_data()[kind]


def build_context(p, s: Situation) -> Context:
    band = salary_band_figures(p, s.role, s.level, s.market)
    all_skills = tuple(names("skills"))
    client_skills = tuple(k for k, e in names("skills").items() if e["freelance_clients_pay"])
    in_demand = model.in_demand_skills(p, s.role, all_skills)
    missing = model.missing_client_skills(s.skills, client_skills)
    gross_rate = model.side_hustle_rate(p, s.role, s.market, len(missing))
    return Context(
        currency=names("markets")[s.market]["currency"],
        band=band,
        salary=band["mid"] if s.salary is None else s.salary,
        in_demand=in_demand,
        counted_in_demand=model.counted_in_demand(p, s.skills, in_demand),
        missing_client_skills=missing,
        gross_rate=gross_rate,
        hourly_value=model.net_hourly_value(p, s.market, gross_rate),
    )


def path_result(path: str, flows: list[float], reasons: list[str], **extra) -> dict:
    curve = model.cumulative(flows)
    return {
        "path": path,
        "name": PATH_LABELS[path],
        "gain_12m": curve[model.MONTHS_PER_YEAR - 1],
        "gain_36m": curve[-1],
        "payoff_month": model.payoff_month(curve),
        "monthly": curve,
        "reasons": reasons,
        **extra,
    }


def money_in(currency: str):
    """A formatter of amounts in one currency, for reasons."""
    return lambda amount: compact_money(amount, currency)


def skill_names(slugs) -> str:
    return ", ".join(names("skills")[s]["name"] for s in slugs)


# Job switch --------------------------------------------------------------------------

def job_switch_path(p, s: Situation, ctx: Context) -> dict:
    money = money_in(ctx.currency)
    landing = model.landing_probability(p, ctx.counted_in_demand)
    annual = model.job_switch_annual_gain(p, ctx.salary, ctx.band["mid"], ctx.counted_in_demand)
    flows = model.job_switch_flows(p, annual_gain=annual, landing=landing, hourly_value=ctx.hourly_value)
    gap = ctx.band["mid"] - ctx.salary
    held = [k for k in s.skills if k in ctx.in_demand]
    reasons = []
    if gap > 0:
        reasons.append(f"You earn {money(gap)} below the band midpoint of {money(ctx.band['mid'])}; "
                       f"a new employer would close about {percent(p('job_switch.catch_up_share'))} of that gap.")
    else:
        reasons.append(f"Your pay is at or above the band midpoint of {money(ctx.band['mid'])}, "
                       "so a move adds only the switcher premium.")
    if held:
        reasons.append(f"In-demand skills you hold ({skill_names(held)}) raise the chance of a better offer "
                       f"to {percent(landing)} and the premium to {percent(model.switch_premium(p, ctx.counted_in_demand))}.")
    else:
        reasons.append(f"Without a skill that is in demand for your role, the chance of a better offer is {percent(landing)}.")
    reasons.append(f"Switchers out-earn stayers by about {percent(p('job_switch.premium'))} a year, "
                   "a gap that shrinks when unemployment is high.")
    reasons.append(f"The new pay starts after a search of about {int(p('job_switch.search_months'))} months; "
                   "a search that finds nothing better costs only the time.")
    return path_result("job_switch", flows, reasons, landing_probability=round(landing, 4), annual_gain=round(annual))


# Skill upgrade -----------------------------------------------------------------------

def skill_option(p, s: Situation, ctx: Context, skill: str) -> dict:
    """Figures and flows for learning one skill."""
    uplift = skill_uplift_figures(p, s.role, skill, s.market)
    uplift_mid = (uplift["low"] + uplift["high"]) / 2
    if s.promotion_track:
        annual = model.promotion_gain(p, uplift_mid, ctx.salary)
        wait = int(p("promotion.wait_months"))
    else:
        counted = ctx.counted_in_demand + (1 if skill in ctx.in_demand else 0)
        counted = min(counted, int(p("job_switch.in_demand_skills_counted")))
        annual = model.switch_realised_gain(p, uplift_mid, model.landing_probability(p, counted))
        wait = int(p("job_switch.search_months"))
    cost = skill_cost(p, skill, s.market)
    flows = model.skill_upgrade_flows(
        p, hours_needed=uplift["hours_to_marketable"], hours_per_week=s.hours_per_week,
        cost=cost, hourly_value=ctx.hourly_value, annual_gain=annual, wait_months=wait,
    )
    months = model.months_to_marketable(uplift["hours_to_marketable"], s.hours_per_week)
    return {
        "skill": skill, "uplift": uplift, "uplift_mid": uplift_mid, "annual": annual,
        "wait": wait, "cost": cost, "flows": flows, "months": months,
    }


def choose_skill(s: Situation, ctx: Context) -> str | None:
    """The unheld skill whose learning pays most by month 36 (then higher uplift, then catalog order)."""
    scratch = ParamView(parameter_index())  # candidates' keys stay out of the assumptions
    candidates = [k for k in names("skills") if k not in s.skills]
    if not candidates:
        return None

    def score(indexed):
        index, skill = indexed
        option = skill_option(scratch, s, ctx, skill)
        return (model.cumulative(option["flows"])[-1], option["uplift_mid"], -index)

    return max(enumerate(candidates), key=score)[1]


def skill_upgrade_path(p, s: Situation, ctx: Context, skill: str | None) -> tuple[dict, dict | None]:
    if skill is None:
        reasons = ["You already hold every skill the model knows, so there is no skill left to add."]
        return path_result("skill_upgrade", [0.0] * model.HORIZON_MONTHS, reasons), None
    money = money_in(ctx.currency)
    option = skill_option(p, s, ctx, skill)
    uplift, months = option["uplift"], option["months"]
    name = names("skills")[skill]["name"]
    plural = names("roles")[s.role]["plural"]
    reasons = [f"{name} is worth about {money(uplift['low'])} to {money(uplift['high'])} a year more for {plural}; "
               f"a newly skilled person captures about {percent(p('skill_upgrade.realised_share'))} of that at first."]
    if months is None:
        reasons.append("With no spare hours a week there is no time to learn it within 36 months.")
    else:
        beyond = "" if months <= model.HORIZON_MONTHS else ", beyond the 36 months weighed here"
        reasons.append(f"At {s.hours_per_week:g} spare hours a week it takes about {months:.1f} months "
                       f"({uplift['hours_to_marketable']} hours) to become marketable{beyond}.")
        if s.promotion_track:
            reasons.append(f"Your promotion track turns it into pay about {option['wait']} months later, "
                           f"with a promotion increase of about {percent(p('promotion.increase'))}.")
        else:
            reasons.append(f"Without a promotion track the pay comes through a later move, "
                           f"about {option['wait']} months of searching after that.")
        reasons.append(f"Study hours are hours not spent on a side hustle: about "
                       f"{money(option['cost'])} in course fees plus {money(ctx.hourly_value)} for each hour.")
    skill_to_learn = {
        "skill": skill,
        "name": name,
        "uplift_low": uplift["low"],
        "uplift_high": uplift["high"],
        "hours_to_marketable": uplift["hours_to_marketable"],
        "months_to_marketable": None if months is None else round(months, 1),
        "hours_per_week": s.hours_per_week,
        "course_cost": option["cost"],
        "realised_via": "promotion" if s.promotion_track else "switch",
        "currency": ctx.currency,
    }
    return path_result("skill_upgrade", option["flows"], reasons, skill=skill), skill_to_learn


# Side hustle -------------------------------------------------------------------------

def side_hustle_path(p, s: Situation, ctx: Context) -> dict:
    money = money_in(ctx.currency)
    flows = model.side_hustle_flows(p, s.hours_per_week, ctx.hourly_value)
    plural = names("roles")[s.role]["plural"]
    if s.hours_per_week <= 0:
        reasons = ["With no spare hours a week there is no time for side work, so it earns nothing."]
    else:
        reasons = [f"Freelance {plural} bill about {money(ctx.gross_rate)} an hour, about "
                   f"{percent(model.billable_share(p))} of working time is billable, and "
                   f"{percent(p(f'side_hustle.tax_overhead_share.{s.market}'))} goes on tax and overheads.",
                   f"Income builds over about {int(p('side_hustle.ramp_months'))} months as clients arrive, "
                   "and it is uneven."]
    if ctx.missing_client_skills:
        cut = p("side_hustle.missing_skill_discount") * len(ctx.missing_client_skills)
        reasons.append(f"Clients pay less without {skill_names(ctx.missing_client_skills)}: "
                       f"the rate is cut by {percent(min(1.0, cut))}.")
    if ctx.salary >= ctx.band["mid"]:
        reasons.append("Your pay is at or above the market midpoint, which is when extra hours pay best.")
    else:
        reasons.append("You are paid below the market midpoint; fixing the main salary usually comes first.")
    return path_result("side_hustle", flows, reasons, hourly_rate=round(ctx.gross_rate))


# Ranking, sequence, headline ---------------------------------------------------------

def rank(paths: dict[str, dict], ranking_month: int) -> list[str]:
    def key(name):
        result = paths[name]
        return (-result["monthly"][ranking_month - 1], -result["gain_36m"], PATH_ORDER.index(name))

    return sorted(PATH_ORDER, key=key)


def order_paths(s: Situation, ctx: Context, paths: dict, ranked: list[str]) -> tuple[list[str], str]:
    """Which paths to take, in what order, and why."""
    paying = [name for name in ranked if paths[name]["gain_36m"] > 0]
    skill_gap = [k for k in ctx.in_demand if k not in s.skills]
    if s.urgency == "now" and paths["job_switch"]["gain_12m"] > 0:
        rest = [name for name in paying if name != "job_switch"]
        reason = "Income is needed now and a switch raises the main pay within the year, so it comes first."
        if rest[:1] == ["side_hustle"]:
            reason += " Side work can bring cash in while you search."
        return ["job_switch", *rest], reason
    if (s.urgency == "flexible" and skill_gap and "skill_upgrade" in paying
            and "job_switch" in paying and ranked[0] != "side_hustle"):
        extra = ["side_hustle"] if "side_hustle" in paying else []
        return (["skill_upgrade", "job_switch", *extra],
                "You have runway and a skill gap: learn the skill first, then switch to negotiate from strength.")
    if not paying:
        return [ranked[0]], "No path beats staying put within 36 months; the least costly one is listed."
    if ranked[0] != "side_hustle" and paying[-1] != "side_hustle" and "side_hustle" in paying:
        # Side work competes for the hours the main income needs, so it waits until that is sorted.
        paying = [name for name in paying if name != "side_hustle"] + ["side_hustle"]
        return paying, "Best first; side work comes last because it needs the same spare hours."
    return paying, "The paths that beat staying put within 36 months, best first."


def headline(best: dict, skill_to_learn: dict | None, currency: str) -> str:
    if best["gain_36m"] <= 0:
        return "No path beats staying put within 36 months on these answers."
    label = best["name"]
    if best["path"] == "skill_upgrade" and skill_to_learn:
        label = f"Learn {skill_to_learn['name']}"
    return (f"{label}: about {compact_money(best['gain_36m'], currency)} more than staying put over 36 months, "
            f"ahead from month {best['payoff_month']}.")


def assumption(record: dict) -> dict:
    keys = ("key", "label", "value", "unit", "currency", "source", "url", "date", "estimate", "note")
    return {k: record[k] for k in keys}


def verdict(answers) -> dict:
    """The verdict for one set of quiz answers (raises InputError on bad answers)."""
    s = situation(answers)
    p = ParamView(parameter_index())
    ctx = build_context(p, s)
    skill = choose_skill(s, ctx)
    skill_path, skill_to_learn = skill_upgrade_path(p, s, ctx, skill)
    paths = {
        "job_switch": job_switch_path(p, s, ctx),
        "skill_upgrade": skill_path,
        "side_hustle": side_hustle_path(p, s, ctx),
    }
    ranking_month = int(p(f"verdict.ranking_month.{s.urgency}"))
    ranked = rank(paths, ranking_month)
    sequence, sequence_reason = order_paths(s, ctx, paths, ranked)
    band = ctx.band
    return {
        "best_path": ranked[0],
        "headline": headline(paths[ranked[0]], skill_to_learn, ctx.currency),
        "paths": [paths[name] for name in ranked],
        "sequence": sequence,
        "sequence_reason": sequence_reason,
        "ranking_month": ranking_month,
        "skill_to_learn": skill_to_learn,
        "currency": ctx.currency,
        "market_band": {
            **band,
            "currency": ctx.currency,
            "salary": round(ctx.salary),
            "salary_given": s.salary is not None,
            "below_midpoint": ctx.salary < band["mid"],
            "display": f"{full_money(band['low'], ctx.currency)} to {full_money(band['high'], ctx.currency)}",
        },
        "in_demand_skills": list(ctx.in_demand),
        "situation": {
            "role": s.role, "level": s.level, "market": s.market,
            "salary": None if s.salary is None else round(s.salary),
            "hours_per_week": s.hours_per_week, "urgency": s.urgency,
            "skills": list(s.skills), "promotion_track": s.promotion_track,
        },
        "horizon_months": model.HORIZON_MONTHS,
        "assumptions": [assumption(r) for r in p.records()],
    }
