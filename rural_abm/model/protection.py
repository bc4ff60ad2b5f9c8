"""Social protection (phase 7): residents' pension, minimum living allowance (dibao), poverty campaign.

Three programmes, each driven by calendar schedules (levers) and booked to
its own fiscal head (RMB per year, 2020 prices):

* residents' basic pension: every registered person of ``pension_age`` or
  more receives 12 x (national minimum + local top-up) a year, wherever the
  person lives (the pension is paid by hukou);
* the targeted poverty-alleviation campaign: households whose income
  (market income plus pension) falls below the poverty line in a year when
  the poverty file is open (``poverty_registration``) enter the file
  (建档立卡) and stay in it; file households get the campaign's transfer per
  resident member (``poverty_transfer``), a public-welfare post for a share
  ``welfare_jobs`` of those with a member able to work at home, and industry
  support (``industry_support``) if someone at home can work the project;
* dynamic monitoring against return to poverty (from 2020): households
  with resident members whose income before dibao is under
  ``at_risk_margin`` times the poverty line, whether they were poor before
  or are near-poor (the former-poor and marginal households the mechanism
  watches), are monitored at the coverage ``monitoring_coverage`` (a fixed
  draw per household); monitored households are topped up to the poverty
  line after dibao and cost ``monitoring_cost`` each;
* dibao: households whose income per resident member, before dibao, is
  under the standard and whose savings (the household's and its resident
  members') are at most ``dibao_asset_limit`` months of it are topped up to
  it (at least ``dibao_min_benefit`` per resident); a share
  ``dibao_exclusion_error`` of eligible households is missed (file and
  monitored households with no member able to work at home only at
  (1 - ``dibao_file_linkage``) of it, and with no asset test while the
  linking is in force: the dibao is the safety net of the poverty file and,
  after 2020, of monitoring for those who cannot be helped by work;
  households that can work get jobs and industry support instead) and a
  share ``dibao_inclusion_error`` (a schedule, falling as the rolls are
  cleaned over 2015-2020) of near-poor households is paid although not
  eligible. The targeting draw is made anew each year (annual review).

Every function takes the model and per-household arrays and returns
per-household RMB a year; nothing depends on the order of households.
"""

from __future__ import annotations

import numpy as np

from .codes import Occupation, Status


def pensions(m) -> np.ndarray:
    """Pension income of each household (RMB/year); counts recipients and books the cost."""
    p, per, lv = m.p, m.persons, m.levers
    monthly = lv["pension_minimum"] + lv["pension_top_up"]
    eligible = per.alive & (per.age >= p["pension_age"]) if monthly > 0 else np.zeros(per.n, bool)
    amount = np.bincount(per.household[eligible], minlength=m.households.n) * (12.0 * monthly)
    m.protection["pension_recipients"] = int(np.count_nonzero(eligible))
    m.fiscal["pensions"] += float(amount.sum())
    return amount


def able_at_home(m) -> np.ndarray:
    """Households with a resident member who can take a public-welfare post or work a project.

    Farmers of working age and elders under ``welfare_job_max_age`` count (persons already in a
    local job or running a venture have work).
    """
    p, per = m.p, m.persons
    resident = per.alive & (per.status != Status.AWAY)
    occ = per.occupation
    able = resident & ((occ == Occupation.FARMER) | ((occ == Occupation.ELDER) & (per.age < p["welfare_job_max_age"])))
    return np.bincount(per.household[able], minlength=m.households.n) > 0


def campaign_support(m, residents: np.ndarray, able: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """This year's campaign support of each household (RMB/year): (cash transfer, jobs and industry income).

    Only households in the poverty file with resident members are supported; posts and industry support go to
    those with a member ``able`` to work at home (:func:`able_at_home`).
    """
    p, hh, lv = m.p, m.households, m.levers
    filed = hh.registered_poor & (residents > 0)
    transfer = np.where(filed, lv["poverty_transfer"] * residents, 0.0)
    working_support = lv["welfare_jobs"] > 0 or lv["industry_support"] > 0
    able = filed & able if working_support else np.zeros(hh.n, bool)
    u = m.streams.get("policy", m.year, 1).random(hh.n)
    posts = able & (u < lv["welfare_jobs"])
    earned = np.where(posts, p["welfare_job_wage"], 0.0) + np.where(able, lv["industry_support"], 0.0)
    m.protection["welfare_posts"] = int(np.count_nonzero(posts))
    m.fiscal["poverty_transfers"] += float(transfer.sum())
    m.fiscal["poverty_campaign"] += float(earned.sum())
    return transfer, earned


def monitored(m, income: np.ndarray, residents: np.ndarray) -> np.ndarray:
    """Households under dynamic monitoring this year, given their ``income`` before dibao (RMB/year).

    At risk: resident members and income under ``at_risk_margin`` poverty lines per resident, whether
    the household was poor before or not; monitored: at risk and its fixed draw under the coverage.
    """
    hh = m.households
    at_risk = (residents > 0) & (income < m.p["at_risk_margin"] * m.p["poverty_line"] * residents)
    return at_risk & (hh.monitor_draw < m.levers["monitoring_coverage"])


def dibao(m, income: np.ndarray, residents: np.ndarray, monitored: np.ndarray, able: np.ndarray) -> np.ndarray:
    """Dibao top-up of each household (RMB/year) given its ``income`` before dibao (RMB/year).

    The means test counts income and savings: a household whose savings (its own and its resident
    members') exceed ``dibao_asset_limit`` months of the standard per resident member is neither eligible
    nor paid in error, unless linked while the linking is in force (``dibao_file_linkage`` > 0).

    ``monitored`` households, like those in the poverty file, are linked to the dibao review when no
    member is ``able`` to work at home (:func:`able_at_home`).
    """
    p, hh, per, lv = m.p, m.households, m.persons, m.levers
    standard = lv["dibao_standard"] * residents
    linked = (hh.registered_poor | monitored) & ~able
    resident = per.alive & (per.status != Status.AWAY)
    savings = np.maximum(hh.savings, 0.0) + np.bincount(
        per.household[resident], np.maximum(per.savings[resident], 0.0), minlength=hh.n)
    guaranteed = linked & (lv["dibao_file_linkage"] > 0)  # the file's 兜底 skips the asset test
    reviewed = (residents > 0) & (guaranteed | (savings <= p["dibao_asset_limit"] / 12.0 * standard))
    eligible = reviewed & (income < standard)
    near = reviewed & ~eligible & (income < p["dibao_near_poor_band"] * standard)
    exclusion = p["dibao_exclusion_error"] * np.where(linked, 1.0 - lv["dibao_file_linkage"], 1.0)
    u = m.streams.get("policy", m.year, 2).random(hh.n)
    paid = (eligible & (u >= exclusion)) | (near & (u < lv["dibao_inclusion_error"]))
    benefit = np.where(paid, np.maximum(standard - income, p["dibao_min_benefit"] * residents), 0.0)
    m.protection["dibao_recipients"] = int(residents[paid].sum())
    m.protection["dibao_households"] = int(np.count_nonzero(paid))
    m.protection["dibao_eligible_missed"] = int(np.count_nonzero(eligible & ~paid))
    m.protection["dibao_ineligible_paid"] = int(np.count_nonzero(near & paid))
    m.fiscal["dibao"] += float(benefit.sum())
    return benefit


def register(m, income: np.ndarray, residents: np.ndarray) -> None:
    """While the file is open, households with resident members and ``income`` below the line enter it."""
    if m.levers["poverty_registration"] <= 0:
        return
    hh = m.households
    hh.registered_poor[:] |= (residents > 0) & (income < m.p["poverty_line"] * residents)
