"""The demo's delivery: tasks of both demo projects, traced to their requirements.

Played through the delivery services like the rest of the demo: each task is created, then
moved across the board as its work went, with its checklist ticked and time logged by the
people who did it. Some agreed requirements are deliberately left without a task (coverage
gaps), one person holds more work than their capacity (the workload's overload), one task is
blocked with its reason, one comes from a risk's response action, and the board has WIP limits
(one column over its limit in ACME).

The audit trail is stamped with the time of loading, so the milestones' burn-up starts on the
day the demo was loaded (the audit chain is append-only; it is never backdated).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from accord.accounts.models import User
from accord.delivery import services as delivery
from accord.delivery.choices import TaskPriority, TaskStatus, TaskType
from accord.delivery.models import ChecklistItem, Task
from accord.projects.models import Milestone, Project
from accord.requirements.models import Requirement
from accord.risks.models import Problem, ResponseAction

PM = "pm@demo.accord"
W, Z, T = "wang.wei@demo.accord", "zhang.min@demo.accord", "tom.baker@demo.accord"

TODO, DOING, REVIEW, BLOCKED, DONE = (
    TaskStatus.TODO,
    TaskStatus.IN_PROGRESS,
    TaskStatus.IN_REVIEW,
    TaskStatus.BLOCKED,
    TaskStatus.DONE,
)
# The board moves that bring a new task ("to do") to its column.
PATHS: dict[str, tuple[str, ...]] = {
    TODO: (),
    DOING: (DOING,),
    REVIEW: (DOING, REVIEW),
    BLOCKED: (DOING, BLOCKED),
    DONE: (DOING, REVIEW, DONE),
}


@dataclass(frozen=True)
class DemoTask:
    """A task: its fields, the requirements it covers (demo refs such as "R2"), where it ends
    on the board, its checklist ((text, ticked)) and the time logged on it ((who, days ago,
    hours, note)). `from_action` names a risk response action (its description) the task is
    made from; `problem` names a problem (its title) the task works on."""

    title: str
    type: str
    assignee: str | None
    milestone: str | None
    estimate: int
    start: int
    due: int
    requirements: tuple[str, ...] = ()
    status: str = TODO
    priority: str = TaskPriority.NORMAL
    description: str = ""
    blocked_reason: str = ""
    checklist: tuple[tuple[str, bool], ...] = ()
    time: tuple[tuple[str, int, str, str], ...] = ()
    from_action: str | None = None
    problem: str | None = None


@dataclass(frozen=True)
class DemoDelivery:
    tasks: list[DemoTask]
    wip_limits: dict[str, int]
    # (person, hours a week)
    capacities: list[tuple[str, int]]


def _hzyb() -> DemoDelivery:
    research, proto, sit = "需求调研完成", "原型评审", "系统联调测试"
    review, live = "内部代码评审", "系统上线"
    return DemoDelivery(
        tasks=[
            DemoTask(
                "整理访谈纪要，提交需求规格说明书初稿",
                TaskType.DOCUMENTATION,
                PM,
                research,
                24,
                -70,
                -46,
                ("E1", "E2", "E3"),
                DONE,
                description="医保中心、定点医院、药店三方访谈纪要汇总，形成 SRS V0.9。",
                time=((PM, 20, "4", "补充访谈纪要中的对账口径"),),
            ),
            DemoTask(
                "结算与对账界面原型",
                TaskType.FEATURE,
                Z,
                proto,
                32,
                -40,
                -16,
                ("R2", "E2"),
                DONE,
                time=((Z, 19, "6", "原型评审意见修改"), (Z, 18, "5", "对账界面第二稿")),
            ),
            DemoTask(
                "异地就医备案查询交易开发",
                TaskType.FEATURE,
                W,
                sit,
                24,
                -20,
                -8,
                ("R1",),
                DONE,
                priority=TaskPriority.HIGH,
                checklist=(("单元测试覆盖备案过期场景", True), ("联调用例通过", True)),
                time=((W, 17, "7", "备案查询交易"), (W, 16, "6", "备案过期提示")),
            ),
            DemoTask(
                "跨省门诊结算：统筹、个账、现金分段计算",
                TaskType.FEATURE,
                W,
                sit,
                40,
                -18,
                -4,
                ("R2", "D2"),
                DONE,
                priority=TaskPriority.HIGH,
                time=((W, 15, "8", "分段计算"), (W, 14, "7", "个账不可跨省使用的情形")),
            ),
            DemoTask(
                "结算超时自动冲正",
                TaskType.FEATURE,
                Z,
                sit,
                16,
                -10,
                3,
                ("R3",),
                REVIEW,
                checklist=(("连续 3 次冲正失败后生成待办", True), ("代码评审", False)),
                time=((Z, 9, "6", "冲正交易"), (Z, 8, "4", "失败待办与通知")),
            ),
            DemoTask(
                "V3.0 接口报文适配（12 个交易）",
                TaskType.FEATURE,
                W,
                sit,
                80,
                -10,
                12,
                ("R9", "E3"),
                DOING,
                priority=TaskPriority.URGENT,
                description=(
                    "按《医保信息平台接口规范 V3.0》第 4 章逐个改造报文，字段映射表同步更新。"
                ),
                checklist=(
                    ("结算、冲正交易", True),
                    ("备案查询、明细上传交易", True),
                    ("其余 8 个交易", False),
                    ("字段映射表提交客户确认", False),
                ),
                time=(
                    (W, 7, "8", "结算交易报文"),
                    (W, 6, "8", "冲正交易报文"),
                    (W, 3, "6", "备案查询报文"),
                    (W, 2, "6", "明细上传报文"),
                ),
            ),
            DemoTask(
                "异地结算明细上传与重传队列",
                TaskType.FEATURE,
                W,
                sit,
                24,
                -2,
                8,
                ("R4",),
                DOING,
                time=((W, 1, "2", "重传队列表结构"),),
            ),
            DemoTask(
                "与省医保平台联调备案查询与结算交易",
                TaskType.TEST,
                Z,
                sit,
                16,
                -6,
                10,
                ("R1", "R2"),
                BLOCKED,
                priority=TaskPriority.HIGH,
                blocked_reason="省医保测试环境停机维护，等待医保局恢复后继续联调。",
                time=((Z, 5, "4", "准备联调数据"),),
                problem="省医保测试环境停机三天，联调中断",
            ),
            DemoTask(
                "结算核心模块代码评审",
                TaskType.CHORE,
                PM,
                review,
                8,
                -3,
                20,
                ("R2", "R3"),
                DOING,
                checklist=(("冲正模块", True), ("分段计算模块", False), ("明细上传模块", False)),
                time=((PM, 2, "2", "冲正模块评审"),),
            ),
            DemoTask(
                "修复：备案过期时提示的办理途径不准确",
                TaskType.BUG,
                W,
                sit,
                4,
                -1,
                5,
                ("R1",),
                REVIEW,
                time=((W, 1, "1.5", "改为按参保地显示办理途径"),),
            ),
            # Planned after the first round of work (the burn-up's scope grows with them).
            DemoTask(
                "接口报文 SM4 加密与 SM2 签名",
                TaskType.FEATURE,
                W,
                sit,
                32,
                0,
                14,
                ("N1",),
                priority=TaskPriority.HIGH,
                checklist=(("向省局申请测试密钥", False), ("加密机联调", False)),
            ),
            DemoTask(
                "按五倍日常并发完成结算核心压测",
                TaskType.TEST,
                Z,
                review,
                24,
                5,
                20,
                ("N2",),
                priority=TaskPriority.HIGH,
                from_action="按五倍日常并发完成结算核心压测",
            ),
            DemoTask(
                "结算单按省局模板打印",
                TaskType.FEATURE,
                Z,
                live,
                8,
                20,
                40,
                ("D1",),
            ),
            DemoTask(
                "生产环境部署方案（医保专网、堡垒机）",
                TaskType.DOCUMENTATION,
                PM,
                live,
                12,
                10,
                60,
                ("C1",),
            ),
        ],
        wip_limits={DOING: 3, REVIEW: 2},
        capacities=[(W, 32)],
    )


def _acme() -> DemoDelivery:
    discovery, migration = "Discovery workshops done", "Data migration dry run"
    pilot, golive = "Pilot with three customers", "Go-live"
    return DemoDelivery(
        tasks=[
            DemoTask(
                "Write up the discovery workshop notes",
                TaskType.DOCUMENTATION,
                PM,
                discovery,
                8,
                -30,
                -11,
                ("E1", "E2", "E3"),
                DONE,
                time=((PM, 13, "3", "Workshop 2 notes"),),
            ),
            DemoTask(
                "Booking form with the address book",
                TaskType.FEATURE,
                T,
                pilot,
                40,
                -25,
                -5,
                ("R1",),
                DONE,
                priority=TaskPriority.HIGH,
                checklist=(("Saved addresses", True), ("Parcels and pickup window", True)),
                time=((T, 15, "6", "Address book"), (T, 14, "7", "Parcels step")),
            ),
            DemoTask(
                "Price quote from the contract rates",
                TaskType.FEATURE,
                T,
                pilot,
                24,
                -20,
                -6,
                ("R2",),
                DONE,
                time=((T, 12, "6", "Rating engine call"),),
            ),
            DemoTask(
                "Postcode address lookup",
                TaskType.FEATURE,
                T,
                pilot,
                8,
                -12,
                -7,
                ("D1",),
                DONE,
                time=((T, 11, "4", "Lookup service"),),
            ),
            DemoTask(
                "Set up EU hosting and backups",
                TaskType.CHORE,
                PM,
                pilot,
                12,
                -20,
                -9,
                ("C1",),
                DONE,
                time=((PM, 10, "3", "Backups to the second EU region"),),
            ),
            DemoTask(
                "Import customer accounts from the old system",
                TaskType.CHORE,
                T,
                migration,
                16,
                -8,
                4,
                ("E1",),
                DOING,
                priority=TaskPriority.URGENT,
                description="Duplicates are merged by VAT number; accounts without one go to "
                "the service desk's clean-up list.",
                time=((T, 5, "6", "Duplicate detection"), (T, 4, "5", "Rejected-accounts report")),
            ),
            DemoTask(
                "Tracking page fed by the carrier's webhook",
                TaskType.FEATURE,
                T,
                pilot,
                32,
                -10,
                6,
                ("R6", "E2"),
                REVIEW,
                checklist=(
                    ("Check the webhook's signature", True),
                    ("Replay missed events", False),
                ),
                time=((T, 3, "6", "Webhook endpoint"), (T, 2, "5", "Status timeline")),
            ),
            DemoTask(
                "Invoice list and PDF download",
                TaskType.FEATURE,
                T,
                pilot,
                16,
                -3,
                12,
                ("R10", "C2"),
                DOING,
                time=((T, 1, "4", "Nightly SAP file import"),),
            ),
            DemoTask(
                "Accessibility audit of booking and tracking",
                TaskType.TEST,
                PM,
                golive,
                16,
                20,
                60,
                ("N3",),
                BLOCKED,
                blocked_reason="Waiting for ACME to book the external accessibility auditor.",
            ),
            DemoTask(
                "Load test the booking page on a throttled 4G profile",
                TaskType.TEST,
                T,
                pilot,
                8,
                -1,
                10,
                ("N1",),
                DOING,
            ),
            # Planned later: the scope of the pilot grows.
            DemoTask(
                "Run the second dry run on a copy of production data",
                TaskType.CHORE,
                T,
                pilot,
                16,
                10,
                24,
                from_action="Run the second dry run on a copy of production data",
            ),
            DemoTask(
                "Delay alert e-mails",
                TaskType.FEATURE,
                T,
                golive,
                12,
                30,
                70,
                ("R7",),
            ),
        ],
        wip_limits={DOING: 2, REVIEW: 2},
        capacities=[(T, 40)],
    )


def delivery_sets() -> dict[str, DemoDelivery]:
    return {"HZYB": _hzyb(), "ACME": _acme()}


def build_delivery(
    project: Project,
    spec: DemoDelivery,
    users: dict[str, User],
    requirement_titles: dict[str, str],
    *,
    today: dt.date | None = None,
) -> None:
    """Plan the tasks, then play their work: moves across the board, ticked checklists and
    time logged by whoever did it; WIP limits and capacities set by the PM. Task dates count
    from `today` (the demo's day, like the milestones'); time is logged on days before the
    real today, never in the future."""
    pm = users[PM]
    logged_until = timezone.localdate()
    today = today or logged_until

    def day(offset: int) -> dt.date:
        return today + dt.timedelta(days=offset)

    milestones = {m.name: m for m in Milestone.objects.filter(project=project)}
    requirements = {
        r.title: r
        for r in Requirement.objects.filter(project=project, title__in=requirement_titles.values())
    }
    delivery.wip_limits_set(actor=pm, project=project, limits=dict(spec.wip_limits))
    for email, hours in spec.capacities:
        delivery.capacity_set(actor=pm, user=users[email], hours_per_week=hours)

    for item in spec.tasks:
        linked = [requirements[requirement_titles[ref]] for ref in item.requirements]
        fields: dict[str, Any] = {
            "title": item.title,
            "description": item.description,
            "type": item.type,
            "priority": item.priority,
            "assignee": users[item.assignee] if item.assignee else None,
            "milestone": milestones[item.milestone] if item.milestone else None,
            "estimate_hours": item.estimate,
            "start_date": day(item.start),
            "due_date": day(item.due),
        }
        if item.from_action:
            action = ResponseAction.objects.get(risk__project=project, description=item.from_action)
            task = delivery.task_from_response_action(actor=pm, action=action)
            fields.pop("title")
            task = delivery.task_update(
                actor=pm,
                task=task,
                data={k: v for k, v in fields.items() if k != "description" or v},
                requirements=linked,
            )
        else:
            problems = (
                list(Problem.objects.filter(project=project, title=item.problem))
                if item.problem
                else None
            )
            task = delivery.task_create(
                actor=pm,
                project=project,
                requirements=linked,
                problems=problems,
                checklist=[text for text, _done in item.checklist],
                **fields,
            )
        worker = users[item.assignee] if item.assignee else pm
        for who, days_ago, hours, note in item.time:
            delivery.time_entry_create(
                actor=users[who],
                task=task,
                date=min(day(-days_ago), logged_until - dt.timedelta(days=days_ago)),
                hours=hours,
                note=note,
            )
        ticked = {text for text, done in item.checklist if done}
        for entry in ChecklistItem.objects.filter(task=task, text__in=ticked):
            delivery.checklist_toggle(actor=worker, item=entry, done=True)
        for status in PATHS[item.status]:
            task = Task.objects.get(pk=task.pk)
            delivery.task_move(
                actor=worker,
                task=task,
                status=status,
                blocked_reason=item.blocked_reason if status == BLOCKED else "",
            )
