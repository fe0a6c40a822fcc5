package bot_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"mcu/internal/telegramtest"
	"mcu/workflow"
)

// actionFixture is a harness with bound chats and one appeal in each
// state a card button needs.
type actionFixture struct {
	*harness
	alice           telegramtest.User
	helper          telegramtest.User // a curator of housing who moves appeals along
	housing, triage telegramtest.Chat
	economy         telegramtest.Chat
	inTriage        *workflow.Appeal // registered, no direction
	assigned        *workflow.Appeal // housing, assigned
	inProgress      *workflow.Appeal // housing, taken
	onApproval      *workflow.Appeal // housing, draft submitted
	cards           map[int64]telegramtest.Message
	ctx             context.Context
	t               *testing.T
}

func newActionFixture(t *testing.T, admins []int64) *actionFixture {
	t.Helper()
	h := newHarness(t, harnessOptions{Admins: admins})
	f := &actionFixture{harness: h, t: t, ctx: context.Background(), cards: map[int64]telegramtest.Message{}}
	f.alice, f.helper = h.srv.NewUser("Алиса"), h.srv.NewUser("Ольга")
	h.srv.OpenPrivateChat(f.alice)
	f.housing, f.triage, f.economy = h.srv.NewGroup("ЖКХ"), h.srv.NewGroup("Операторы"), h.srv.NewGroup("Экономика")
	h.bind(f.housing, 0, "housing")
	h.bind(f.triage, 0, "triage")
	h.bind(f.economy, 0, "economy")
	h.grant(f.helper, workflow.RoleCurator, "housing")
	f.inTriage = h.submitFor(f.alice, "", "Непонятно куда: шумят соседи по ночам")
	f.assigned = h.submitFor(f.alice, "housing", "Не вывозят мусор во дворе дома 5")
	f.inProgress = f.move(h.submitFor(f.alice, "housing", "Не горит фонарь у дома 7"), workflow.EventTake)
	f.onApproval = f.move(f.move(h.submitFor(f.alice, "housing", "Яма у подъезда дома 9"), workflow.EventTake), workflow.EventSubmitDraft)
	f.cards[f.inTriage.ID] = h.cardIn(f.triage.ID, f.inTriage.Number())
	f.cards[f.assigned.ID] = h.cardIn(f.housing.ID, f.assigned.Number(), telegramtest.Contains("Статус: передано исполнителю"))
	f.cards[f.inProgress.ID] = h.cardIn(f.housing.ID, f.inProgress.Number(), telegramtest.Contains("Статус: в работе"))
	f.cards[f.onApproval.ID] = h.cardIn(f.housing.ID, f.onApproval.Number(), telegramtest.Contains("Статус: ответ на согласовании"))
	return f
}

// move fires ev on a as the helper curator.
func (f *actionFixture) move(a *workflow.Appeal, ev workflow.Event) *workflow.Appeal {
	f.t.Helper()
	in := workflow.Input{}
	if ev == workflow.EventSubmitDraft {
		in.Text = "Яму заделаем до 10.03.2026."
	}
	out, err := f.svc.Apply(f.ctx, workflow.Command{AppealID: a.ID, Event: ev, Actor: workflow.Staff(f.helper.ID), Input: in})
	if err != nil {
		f.t.Fatal(err)
	}
	return out
}

// press forges a press of data (after "\f") on the card of a, with the
// appeal's current version, and returns the answer.
func (f *actionFixture) press(u telegramtest.User, a *workflow.Appeal, unique, extra string) string {
	f.t.Helper()
	data := fmt.Sprintf("\f%s|%d|%d%s", unique, a.ID, f.appeal(a.ID).Version, extra)
	return f.answer(f.srv.PressData(u, f.cards[a.ID], data))
}

// TestAuthorizationMatrix presses every card button as every role (and a
// stranger, and a curator of another direction), with the appeal in a
// state where the button shows. A refusal answers «Недостаточно прав.»
// and changes nothing; an allowed press opens its menu or prompt, or
// fires the event.
func TestAuthorizationMatrix(t *testing.T) {
	t.Parallel()
	// Who may press what; "curator" is of housing.
	allowed := map[workflow.Event][]string{
		workflow.EventRoute:       {"operator"},
		workflow.EventTake:        {"executor", "curator"},
		workflow.EventAskResident: {"executor", "curator"},
		workflow.EventSubmitDraft: {"executor", "curator"},
		workflow.EventApprove:     {"curator", "admin"},
		workflow.EventReturn:      {"curator", "admin"},
		workflow.EventReroute:     {"curator", "operator"},
		workflow.EventExtend:      {"curator"},
		workflow.EventReject:      {"operator", "curator"},
		workflow.EventRedirect:    {"operator", "curator"},
	}
	rows := []struct {
		name      string
		role      workflow.Role
		direction string
	}{
		{"admin", workflow.RoleAdmin, ""}, // a bootstrap admin
		{"operator", workflow.RoleOperator, ""},
		{"curator", workflow.RoleCurator, "housing"},
		{"executor", workflow.RoleExecutor, "housing"},
		{"head", workflow.RoleHead, ""},
		{"leader", workflow.RoleLeader, ""},
		{"curator_of_social", workflow.RoleCurator, "social"},
		{"stranger", "", ""},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			t.Parallel()
			const userID = 800001
			var admins []int64
			if row.role == workflow.RoleAdmin {
				admins = []int64{userID}
			}
			f := newActionFixture(t, admins)
			u := f.srv.AddUser(telegramtest.User{ID: userID, FirstName: "Сотрудник"})
			if row.role != "" && row.role != workflow.RoleAdmin {
				f.grant(u, row.role, row.direction)
			}
			// Presses that change the appeal come last on it.
			cells := []struct {
				ev workflow.Event
				a  *workflow.Appeal
			}{
				{workflow.EventRoute, f.inTriage},
				{workflow.EventAskResident, f.inProgress},
				{workflow.EventSubmitDraft, f.inProgress},
				{workflow.EventReturn, f.onApproval},
				{workflow.EventReroute, f.assigned},
				{workflow.EventExtend, f.assigned},
				{workflow.EventReject, f.assigned},
				{workflow.EventRedirect, f.assigned},
				{workflow.EventTake, f.assigned},
				{workflow.EventApprove, f.onApproval},
			}
			for _, cell := range cells {
				before := f.snapshot()
				got := f.press(u, cell.a, string(cell.ev), "")
				may := slices.Contains(allowed[cell.ev], row.name)
				switch {
				case !may && got != "Недостаточно прав.":
					t.Errorf("%s pressed %s: answered %q, want «Недостаточно прав.»", row.name, cell.ev, got)
				case !may:
					if after := f.snapshot(); after != before {
						t.Errorf("%s pressed %s: refused, but %s → %s", row.name, cell.ev, before, after)
					}
				case cell.ev == workflow.EventTake || cell.ev == workflow.EventApprove:
					if got != "Готово" {
						t.Errorf("%s pressed %s: answered %q, want «Готово»", row.name, cell.ev, got)
					}
				case got != "":
					t.Errorf("%s pressed %s: answered %q, want a menu or a prompt", row.name, cell.ev, got)
				}
			}
			// The menus' choices are checked again when chosen.
			if row.name != "curator" && row.name != "admin" {
				before := f.snapshot()
				if got := f.press(u, f.onApproval, "why", "|ret|formal"); got == "Готово" {
					t.Errorf("%s returned a draft through a forged menu", row.name)
				}
				if after := f.snapshot(); after != before {
					t.Errorf("%s: a forged return changed %s → %s", row.name, before, after)
				}
			}
			if row.name != "operator" {
				before := f.snapshot()
				if got := f.press(u, f.inTriage, "dir", "|route|economy"); got != "Недостаточно прав." {
					t.Errorf("%s routed through a forged menu: %q", row.name, got)
				}
				if after := f.snapshot(); after != before {
					t.Errorf("%s: a forged route changed %s → %s", row.name, before, after)
				}
			}
		})
	}
}

func TestRerouteMovesCard(t *testing.T) {
	t.Parallel()
	f := newActionFixture(t, nil)
	olga := f.helper
	card := f.cards[f.assigned.ID]
	f.answer(f.srv.MustPress(t, olga, card, "Перенаправить"))
	menu := f.srv.MustWaitSent(t, telegramtest.All(telegramtest.SentTo(f.housing.ID), telegramtest.Contains("в какое направление перенаправить")))
	if _, ok := menu.Button("ЖКХ"); ok {
		t.Errorf("the menu offers the appeal's own direction: %v", menu.ButtonTexts())
	}
	if got := f.answer(f.srv.MustPress(t, olga, menu, "Экономика и финансы")); got != "Готово" {
		t.Errorf("reroute: %q", got)
	}
	num := f.assigned.Number()
	old := f.cardIn(f.housing.ID, num, telegramtest.Contains("Передано: Экономика и финансы"))
	if len(old.Buttons()) != 0 {
		t.Errorf("the old card keeps buttons: %v", old.ButtonTexts())
	}
	moved := f.cardIn(f.economy.ID, num, telegramtest.Contains("Направление: Экономика и финансы"))
	if _, ok := moved.Button("Взять в работу"); !ok {
		t.Errorf("the moved card: %s", moved)
	}
}

func TestExtendOnceAndTellResident(t *testing.T) {
	t.Parallel()
	f := newActionFixture(t, nil)
	olga := f.helper
	card := f.cards[f.inProgress.ID]
	last, _ := f.srv.LastSent(f.housing.ID)
	f.answer(f.srv.MustPress(t, olga, card, "Продлить срок"))
	menu := f.srv.MustWaitSent(t, telegramtest.All(telegramtest.After(last), telegramtest.Contains("на сколько продлить")))
	if got := menu.ButtonTexts(); len(got) != 2 || strings.Join(got[0], ",") != "на 10 дней,на 20 дней,на 30 дней" {
		t.Errorf("extension menu %q", got)
	}
	// The menu is not a permission: an executor's choice is refused.
	ivan := f.srv.NewUser("Иван")
	f.grant(ivan, workflow.RoleExecutor, "housing")
	before := f.snapshot()
	if got := f.answer(f.srv.MustPress(t, ivan, menu, "на 10 дней")); got != "Недостаточно прав." {
		t.Errorf("an executor's choice of extension: %q", got)
	}
	if after := f.snapshot(); after != before {
		t.Errorf("a refused extension changed %s → %s", before, after)
	}
	f.answer(f.srv.MustPress(t, olga, menu, "на 10 дней"))
	p := f.srv.MustWaitSent(t, telegramtest.All(telegramtest.After(menu), telegramtest.Contains("продлевается на 10 дней")))
	if _, ok := f.srv.Message(f.housing.ID, menu.MessageID); ok {
		t.Error("the extension menu stays after a choice")
	}
	ack := f.say(olga, "Нужна экспертиза подрядчика", telegramtest.ReplyTo(p))
	num := f.inProgress.Number()
	if ack.Text != "№ "+num+": срок продлён до 27.03.2026, заявитель уведомлён." {
		t.Errorf("extend acknowledged with %q", ack.Text)
	}
	told := f.srv.MustWaitSent(t, telegramtest.All(telegramtest.SentTo(f.alice.ID), telegramtest.Contains("продлён")))
	if want := "Срок ответа на сообщение № " + num + " продлён до 27.03.2026. Причина: Нужна экспертиза подрядчика"; told.Text != want {
		t.Errorf("resident got %q, want %q", told.Text, want)
	}
	card = f.cardIn(f.housing.ID, num, telegramtest.Contains("Срок: 27.03.2026 (продлён)"))
	if _, ok := card.Button("Продлить срок"); ok {
		t.Errorf("the card still offers «Продлить срок»: %v", card.ButtonTexts())
	}
	before = f.snapshot()
	if got := f.press(olga, f.inProgress, "extend", ""); got != "Это действие сейчас недоступно." {
		t.Errorf("a second extension: %q", got)
	}
	if after := f.snapshot(); after != before {
		t.Errorf("a second extension changed %s → %s", before, after)
	}
}

// TestStaleCardPresses: «Вернуть», «Отклонить» and «Продлить срок»
// pressed on a card older than the appeal (another curator extended the
// deadline meanwhile) are answered with what happened, open no menu or
// prompt and change nothing.
func TestStaleCardPresses(t *testing.T) {
	t.Parallel()
	f := newActionFixture(t, nil)
	olga := f.helper
	petr := f.srv.NewUser("Пётр")
	f.grant(petr, workflow.RoleCurator, "housing")
	seen := map[int64]int{}
	for _, a := range []*workflow.Appeal{f.assigned, f.onApproval} {
		seen[a.ID] = f.appeal(a.ID).Version
		_, err := f.svc.Apply(f.ctx, workflow.Command{AppealID: a.ID, Event: workflow.EventExtend, Actor: workflow.Staff(petr.ID),
			Version: seen[a.ID], Input: workflow.Input{Days: 10, Reason: "Нужен выезд комиссии"}})
		if err != nil {
			t.Fatal(err)
		}
		f.cardIn(f.housing.ID, a.Number(), telegramtest.Contains("(продлён)"))
	}
	presses := []struct {
		unique string
		a      *workflow.Appeal
		want   string
	}{
		{"return", f.onApproval, "Проект ответа уже на согласовании."},
		{"reject", f.assigned, "Обращение уже изменено другим сотрудником. Карточка обновлена."},
		{"extend", f.assigned, "Обращение уже изменено другим сотрудником. Карточка обновлена."},
	}
	for _, p := range presses {
		before, sent := f.snapshot(), len(f.srv.Sent(f.housing.ID))
		data := fmt.Sprintf("\f%s|%d|%d", p.unique, p.a.ID, seen[p.a.ID])
		if got := f.answer(f.srv.PressData(olga, f.cards[p.a.ID], data)); got != p.want {
			t.Errorf("%s on a stale card: answered %q, want %q", p.unique, got, p.want)
		}
		if now := f.srv.Sent(f.housing.ID); len(now) != sent {
			t.Errorf("%s on a stale card sent %q", p.unique, now[sent:][0].Text)
		}
		if after := f.snapshot(); after != before {
			t.Errorf("%s on a stale card changed %s → %s", p.unique, before, after)
		}
	}
	// The card as it is now still works.
	if got := f.press(olga, f.assigned, "reject", ""); got != "" {
		t.Errorf("reject on the current card: %q, want its menu", got)
	}
	f.srv.MustWaitSent(t, telegramtest.All(telegramtest.SentTo(f.housing.ID), telegramtest.Contains("по какому основанию")))
}

func TestRejectAndRedirectTellResident(t *testing.T) {
	t.Parallel()
	f := newActionFixture(t, nil)
	operator := f.srv.NewUser("Оператор")
	f.grant(operator, workflow.RoleOperator, "")

	// The operator rejects the appeal in triage.
	f.answer(f.srv.MustPress(t, operator, f.cards[f.inTriage.ID], "Отклонить"))
	menu := f.srv.MustWaitSent(t, telegramtest.All(telegramtest.SentTo(f.triage.ID), telegramtest.Contains("по какому основанию")))
	if got := f.answer(f.srv.MustPress(t, operator, menu, "Повтор без новых доводов")); got != "Готово" {
		t.Errorf("reject: %q", got)
	}
	num := f.inTriage.Number()
	told := f.srv.MustWaitSent(t, telegramtest.All(telegramtest.SentTo(f.alice.ID), telegramtest.Contains("без ответа по существу")))
	// A «сообщение» to the bot is not a 59-ФЗ appeal: the law by analogy.
	if want := "Сообщение № " + num + " оставлено без ответа по существу. Основание: повторное обращение без новых доводов (по аналогии с ч. 5 ст. 11 59-ФЗ)."; told.Text != want {
		t.Errorf("resident got %q, want %q", told.Text, want)
	}
	f.cardIn(f.triage.ID, num, telegramtest.Contains("Статус: отклонено"), telegramtest.Contains("Причина: повторное"))

	// A formal appeal (59-ФЗ) is rejected on the article itself.
	formal, err := f.svc.Submit(f.ctx, workflow.Staff(operator.ID), workflow.NewAppeal{Kind: workflow.KindAppeal59,
		Source: workflow.SourcePOS, Text: "Повторно прошу отремонтировать дорогу", ContactName: "Пётр Сидоров"})
	if err != nil {
		t.Fatal(err)
	}
	card := f.cardIn(f.triage.ID, formal.Number())
	f.answer(f.srv.MustPress(t, operator, card, "Отклонить"))
	menu = f.srv.MustWaitSent(t, telegramtest.All(telegramtest.After(menu), telegramtest.Contains(formal.Number()+": по какому основанию")))
	f.answer(f.srv.MustPress(t, operator, menu, "Повтор без новых доводов"))
	f.cardIn(f.triage.ID, formal.Number(), telegramtest.Contains("Причина: повторное обращение без новых доводов (ч. 5 ст. 11 59-ФЗ)"))

	// The curator redirects another to the competent body.
	last, _ := f.srv.LastSent(f.housing.ID)
	f.answer(f.srv.MustPress(t, f.helper, f.cards[f.assigned.ID], "Переадресовать"))
	p := f.srv.MustWaitSent(t, telegramtest.All(telegramtest.After(last), telegramtest.Contains("в какой орган")))
	ack := f.say(f.helper, "Прокуратура Сланцевского района", telegramtest.ReplyTo(p))
	num = f.assigned.Number()
	if ack.Text != "№ "+num+": переадресовано: Прокуратура Сланцевского района." {
		t.Errorf("redirect acknowledged with %q", ack.Text)
	}
	told = f.srv.MustWaitSent(t, telegramtest.All(telegramtest.SentTo(f.alice.ID), telegramtest.Contains("по компетенции")))
	if want := "Сообщение № " + num + " передано по компетенции: Прокуратура Сланцевского района."; told.Text != want {
		t.Errorf("resident got %q, want %q", told.Text, want)
	}
}

func TestRouteFromTriage(t *testing.T) {
	t.Parallel()
	f := newActionFixture(t, nil)
	operator := f.srv.NewUser("Оператор")
	f.grant(operator, workflow.RoleOperator, "")
	card := f.cards[f.inTriage.ID]
	if got := card.ButtonTexts(); !slices.Equal(got[0], []string{"Направить", "Отклонить"}) {
		t.Errorf("triage card buttons: %v", got)
	}
	f.answer(f.srv.MustPress(t, operator, card, "Направить"))
	menu := f.srv.MustWaitSent(t, telegramtest.All(telegramtest.SentTo(f.triage.ID), telegramtest.Contains("в какое направление направить")))
	if got := f.answer(f.srv.MustPress(t, operator, menu, "ЖКХ")); got != "Готово" {
		t.Errorf("route: %q", got)
	}
	num := f.inTriage.Number()
	f.cardIn(f.triage.ID, num, telegramtest.Contains("Передано: ЖКХ"))
	f.cardIn(f.housing.ID, num, telegramtest.Contains("Статус: передано исполнителю"))
}

// TestConcurrentApprove: two curators press «Утвердить» 20 times at
// once; one approval, one answer to the resident, and every other press
// is told it is already approved.
func TestConcurrentApprove(t *testing.T) {
	t.Parallel()
	f := newActionFixture(t, nil)
	second := f.srv.NewUser("Пётр")
	f.grant(second, workflow.RoleCurator, "housing")
	a := f.appeal(f.onApproval.ID)
	data := fmt.Sprintf("\fapprove|%d|%d", a.ID, a.Version)
	card := f.cards[a.ID]
	var mu sync.Mutex
	var queries []telegramtest.CallbackQuery
	var wg sync.WaitGroup
	for i := range 20 {
		u := f.helper
		if i%2 == 1 {
			u = second
		}
		wg.Go(func() {
			q := f.srv.PressData(u, card, data)
			mu.Lock()
			queries = append(queries, q)
			mu.Unlock()
		})
	}
	wg.Wait()
	answers := map[string]int{}
	for _, q := range queries {
		answers[f.answer(q)]++
	}
	if answers["Готово"] != 1 || answers["Уже утверждено."] != 19 {
		t.Errorf("answers: %v; want one «Готово» and 19 «Уже утверждено.»", answers)
	}
	f.srv.MustWaitSent(t, telegramtest.All(telegramtest.SentTo(f.alice.ID), telegramtest.Contains("Ответ на сообщение")))
	if n := f.count(`SELECT count(*) FROM appeal_events WHERE event = 'approve'`); n != 1 {
		t.Errorf("%d approvals in the audit trail", n)
	}
	if n := f.count(`SELECT count(*) FROM outbox WHERE kind = 'resident' AND payload->>'Event' = 'approve'`); n != 1 {
		t.Errorf("%d answers queued for the resident", n)
	}
	var answered int
	for _, m := range f.srv.AllSent() {
		if m.Chat.ID == f.alice.ID && strings.HasPrefix(m.Text, "Ответ на сообщение") {
			answered++
		}
	}
	if answered != 1 {
		t.Errorf("the resident got %d answers", answered)
	}
}

// TestExtendRefusedOnceOverdue: 59-ФЗ art. 12 part 2 extends a term that
// is still running. Once the deadline has passed, «Продлить срок» on a
// card shown before is refused at the press, so is a choice in a menu
// opened before and a reason written to a prompt opened before; the card,
// when next drawn, no longer offers it.
func TestExtendRefusedOnceOverdue(t *testing.T) {
	t.Parallel()
	f := newActionFixture(t, nil)
	olga := f.helper
	const overdue = "Срок ответа уже истёк: продлить его нельзя. Продлевают до окончания срока, уведомив заявителя (ч. 2 ст. 12 59-ФЗ)."
	// Before the deadline: a menu on one card, a prompt on another.
	last, _ := f.srv.LastSent(f.housing.ID)
	f.answer(f.srv.MustPress(t, olga, f.cards[f.assigned.ID], "Продлить срок"))
	menu := f.srv.MustWaitSent(t, telegramtest.All(telegramtest.After(last), telegramtest.Contains("на сколько продлить")))
	f.answer(f.srv.MustPress(t, olga, f.cards[f.inProgress.ID], "Продлить срок"))
	menu2 := f.srv.MustWaitSent(t, telegramtest.All(telegramtest.After(menu), telegramtest.Contains("на сколько продлить")))
	f.answer(f.srv.MustPress(t, olga, menu2, "на 10 дней"))
	prompt := f.srv.MustWaitSent(t, telegramtest.All(telegramtest.After(menu2), telegramtest.Contains("продлевается на 10 дней")))

	// The deadline, 17.03.2026 23:59:59, passes.
	due := f.appeal(f.inProgress.ID).DueAt
	f.advance(due.Sub(f.clock()) + time.Second)

	before, sent := f.snapshot(), len(f.srv.Sent(f.housing.ID))
	if got := f.answer(f.srv.MustPress(t, olga, f.cards[f.onApproval.ID], "Продлить срок")); got != overdue {
		t.Errorf("«Продлить срок» after the deadline: %q", got)
	}
	if got := f.answer(f.srv.MustPress(t, olga, menu, "на 30 дней")); got != overdue {
		t.Errorf("a choice of extension after the deadline: %q", got)
	}
	if now := f.srv.Sent(f.housing.ID); len(now) != sent {
		t.Errorf("a refused extension sent %q", now[sent].Text)
	}
	if after := f.snapshot(); after != before {
		t.Errorf("a refused extension changed %s → %s", before, after)
	}
	if got := f.say(olga, "Нужна экспертиза подрядчика", telegramtest.ReplyTo(prompt)).Text; got != overdue {
		t.Errorf("a reason written after the deadline: %q", got)
	}
	if a := f.appeal(f.inProgress.ID); a.Extended || !a.DueAt.Equal(due) {
		t.Errorf("extended %v, due %s after the deadline", a.Extended, a.DueAt)
	}

	// Drawn again, the overdue card offers no extension, and the rest.
	if _, err := f.svc.Apply(f.ctx, workflow.Command{AppealID: f.onApproval.ID, Event: workflow.EventReturn,
		Actor: workflow.Staff(olga.ID), Input: workflow.Input{Reason: "Нет срока устранения"}}); err != nil {
		t.Fatal(err)
	}
	card := f.cardIn(f.housing.ID, f.onApproval.Number(), telegramtest.Contains("просрочено"))
	if _, ok := card.Button("Продлить срок"); ok {
		t.Errorf("an overdue card offers «Продлить срок»: %v", card.ButtonTexts())
	}
	if _, ok := card.Button("Подготовить ответ"); !ok {
		t.Errorf("an overdue card: %v", card.ButtonTexts())
	}
}

// TestExtendCitizenNotInTelegram: the bot tells nobody of an extension
// of an appeal from another channel, so the curator is told to notify the
// citizen in writing (59-ФЗ art. 12 part 2), not that they were notified.
func TestExtendCitizenNotInTelegram(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	op, ivan := h.srv.NewUser("Оксана"), h.srv.NewUser("Иван")
	h.grant(op, workflow.RoleOperator, "")
	h.grant(ivan, workflow.RoleCurator, "housing")
	triage, housing := h.srv.NewGroup("Операторы"), h.srv.NewGroup("ЖКХ")
	h.bind(triage, 0, "triage")
	h.bind(housing, 0, "housing")
	h.register(op, triage, "Обращение (59-ФЗ)", "Почта", "Во дворе дома 4 по ул. Мира сломана детская площадка",
		"Пётр Сидоров", "ул. Мира, 4, кв. 1", "-", "ЖКХ")
	card := h.cardIn(housing.ID, "2026-000001", telegramtest.Contains("Срок: 01.04.2026"))
	h.answer(h.srv.MustPress(t, ivan, card, "Продлить срок"))
	menu := h.srv.MustWaitSent(t, telegramtest.All(telegramtest.After(card), telegramtest.Contains("на сколько продлить")))
	h.answer(h.srv.MustPress(t, ivan, menu, "на 10 дней"))
	prompt := h.srv.MustWaitSent(t, telegramtest.All(telegramtest.After(menu), telegramtest.Contains("продлевается на 10 дней")))
	// 01.04 + 10 days is Saturday 11.04, moved back to Friday 10.04.
	ack := h.say(ivan, "Нужна экспертиза подрядчика", telegramtest.ReplyTo(prompt))
	if want := "№ 2026-000001: срок продлён до 10.04.2026. Заявителя нет в Telegram — уведомите его о продлении письменно (ч. 2 ст. 12 59-ФЗ)."; ack.Text != want {
		t.Errorf("extension acknowledged with %q, want %q", ack.Text, want)
	}
}
