"""Mesa agents: thin handles onto rows of the model's state arrays.

The state of every person and venture lives in NumPy arrays (population.py);
an agent object holds only its row index and reads or writes through it.
This keeps ``model.agents``, AgentSets and the DataCollector working as in
any Mesa model while every yearly rule runs as array code.
"""

from __future__ import annotations

import mesa

from .codes import Occupation, ReturnKind, Sector, Status


class Person(mesa.Agent):
    """A registered member of a county household (handle on ``model.persons[index]``)."""

    def __init__(self, model, index: int):
        super().__init__(model)
        self.index = int(index)

    def _get(self, field):
        return getattr(self.model.persons, field)[self.index]

    @property
    def alive(self) -> bool:
        return bool(self._get("alive"))

    @property
    def age(self) -> int:
        """Age in years."""
        return int(self._get("age"))

    @property
    def status(self) -> Status:
        return Status(self._get("status"))

    @property
    def occupation(self) -> Occupation:
        return Occupation(self._get("occupation"))

    @property
    def return_kind(self) -> ReturnKind:
        return ReturnKind(self._get("return_kind"))

    @property
    def skill(self) -> float:
        """Skill units (never-migrant mean 1): education, training and urban experience."""
        return float(self._get("skill"))

    @property
    def years_away(self) -> int:
        return int(self._get("years_away"))

    @property
    def savings(self) -> float:
        """Personal savings, RMB."""
        return float(self._get("savings"))

    @property
    def household(self) -> int:
        return int(self._get("household"))

    @property
    def village(self) -> int:
        return int(self._get("village"))

    @property
    def ties(self) -> list[int]:
        """Indices of persons this person is tied to (live ties)."""
        net = self.model.network
        out = []
        if self.index < net.n_base:
            row = slice(net.base.indptr[self.index], net.base.indptr[self.index + 1])
            out += net.base.indices[row][net.base.data[row] > 0].tolist()
        if net.extra.shape[0] > self.index:
            row = slice(net.extra.indptr[self.index], net.extra.indptr[self.index + 1])
            out += net.extra.indices[row].tolist()
        return out


class Enterprise(mesa.Agent):
    """A venture started by a resident or returnee (handle on ``model.ventures[index]``)."""

    def __init__(self, model, index: int):
        super().__init__(model)
        self.index = int(index)

    def _get(self, field):
        return getattr(self.model.ventures, field)[self.index]

    @property
    def active(self) -> bool:
        return bool(self._get("active"))

    @property
    def founder(self) -> int:
        """Index of the founder in the persons table."""
        return int(self._get("founder"))

    @property
    def sector(self) -> Sector:
        return Sector(self._get("sector"))

    @property
    def village(self) -> int:
        return int(self._get("village"))

    @property
    def capital(self) -> float:
        """Capital invested, RMB."""
        return float(self._get("capital"))

    @property
    def loan_balance(self) -> float:
        """Microloan still owed, RMB."""
        return float(self._get("loan_balance"))

    @property
    def profit(self) -> float:
        """Last year's profit after debt service, RMB."""
        return float(self._get("profit"))

    @property
    def employees(self) -> int:
        return int((self.model.persons.employer == self.index).sum())


class Village(mesa.Agent):
    """A village of the county; reports its metrics of the latest year."""

    def __init__(self, model, index: int):
        super().__init__(model)
        self.index = int(index)

    def metric(self, name: str):
        """This year's value of village metric ``name`` (see metrics.VILLAGE_METRICS)."""
        return self.model.village_metrics[name][self.index].item()
