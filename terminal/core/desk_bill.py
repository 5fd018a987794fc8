"""The bill on the desk: lines added, changed, removed and put back, or a whole bill loaded; a change voids the
preview and the duplicate-bill guard's permission. A part of the desk machine (core/desk.py), no Qt, no I/O."""
from __future__ import annotations

from decimal import Decimal

from .desk_patient import DeskPatient
from .flow import State
from .models import Bill, FeeItem

S = State


class DeskBill(DeskPatient):
    """The bill's lines as the desk holds them (``self.items``) and the guards on changing them."""

    # bill ---------------------------------------------------------------------------------------------
    def _bill_changed(self) -> None:
        self._reset_duplicate()  # an override or a confirmation was for the bill as it was
        if self.state in (S.IDENTIFIED, S.BILLED, S.PREVIEWED):
            if self.items:
                self.flow.billed(self.bill())
            elif self.state != S.IDENTIFIED:
                self.flow.identified(self.flow.credential, self.flow.person, self.flow.insutype)
        self.view.redraw()

    def check_editable(self) -> bool:
        """May the bill change now? Says why not."""
        if self.can_edit_bill():
            return True
        if self.busy:
            self.say("warn", self.tr("请等待当前操作完成"))
        else:
            self.say("warn", self.tr("本笔已结算或结果待定，账单不能再修改；按 Esc 接待下一位"))
        return False

    def _replace_items(self, items: list[FeeItem]) -> bool:
        """Take the new item list only when every line and the total are within the caps (message otherwise)."""
        try:
            Bill(items=items).check_limits(self.limits)
        except ValueError as e:
            self.say("error", str(e))
            self.view.redraw()  # the table shows the unchanged bill again
            return False
        self.items = items
        self._bill_changed()
        return True

    def add_item(self, item: FeeItem) -> bool:
        if not self.check_editable():
            return False
        items = list(self.items)
        for n, have in enumerate(items):
            if have.hosp_code == item.hosp_code and have.price == item.price:
                try:
                    items[n] = FeeItem.from_input(line=n + 1, limits=None,
                                                  **{**have.__dict__, "qty": have.qty + item.qty})
                except ValueError as e:
                    self.say("error", str(e))
                    return False
                break
        else:
            items.append(item)
        return self._replace_items(items)

    def set_qty(self, index: int, qty: str | int | Decimal) -> bool:
        """A quantity typed into the bill table: parsed strictly (no separators, up to 4 decimals, > 0)."""
        if not self.check_editable() or not 0 <= index < len(self.items):
            return False
        items = list(self.items)
        try:
            items[index] = FeeItem.from_input(line=index + 1, limits=None, **{**items[index].__dict__, "qty": qty})
        except ValueError as e:
            self.say("error", str(e))
            self.view.redraw()
            return False
        return self._replace_items(items)

    def remove_item(self, index: int) -> None:
        if not self.check_editable() or not 0 <= index < len(self.items):
            return
        del self.items[index]
        self._bill_changed()

    def insert_item(self, index: int, item: FeeItem) -> bool:
        """Put a removed line back where it was (Ctrl+Z after Del); merged like add_item when it is there again."""
        if any(have.hosp_code == item.hosp_code and have.price == item.price for have in self.items):
            return self.add_item(item)
        if not self.check_editable():
            return False
        items = list(self.items)
        items.insert(max(0, min(index, len(items))), item)
        return self._replace_items(items)

    def load_bill(self, bill: Bill) -> bool:
        if not self.check_editable():
            return False
        try:
            bill.check_limits(self.limits)
        except ValueError as e:
            self.say("error", self.tr("账单文件错误：") + str(e))
            return False
        self.items = list(bill.items)
        self.bill_meta = {k: getattr(bill, k) for k in ("med_type", "dept_code", "dept_name", "dr_code", "dr_name",
                                                          "dise_codg", "dise_name", "bill_no", "opsp_dise_code",
                                                          "opsp_dise_name")}
        self._bill_changed()
        self.say("ok", self.tr("已载入账单，共 %1 项").replace("%1", str(len(self.items))))
        return True

