package bot_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"mcu/internal/telegramtest"
	"mcu/workflow"
)

func TestMyPagesThroughManyAppeals(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	sveta := h.newPlayer("Света")
	sveta.consent()
	for i := 1; i <= 25; i++ {
		h.submitFor(sveta.u, "housing", fmt.Sprintf("Проблема номер %d во дворе", i))
	}
	sveta.send("/my")
	list := sveta.expect("Ваши сообщения (25), страница 1 из 5:")
	wantFirst := "Ваши сообщения (25), страница 1 из 5:\n\n№ 2026-000025 · ЖКХ\nпередано исполнителю, ответ до 17.03.2026\n\n№ 2026-000024 · ЖКХ"
	if !strings.HasPrefix(list.Text, wantFirst) {
		t.Errorf("/my starts\n%s\nwant\n%s", list.Text, wantFirst)
	}
	page := func(m telegramtest.Message, numbers []int, nav []string) {
		t.Helper()
		var want [][]string
		for _, n := range numbers {
			want = append(want, []string{fmt.Sprintf("№ 2026-%06d", n)})
			if !strings.Contains(m.Text, fmt.Sprintf("№ 2026-%06d · ЖКХ", n)) {
				t.Errorf("page lacks № %d:\n%s", n, m.Text)
			}
		}
		if nav != nil {
			want = append(want, nav)
		}
		if got := m.ButtonTexts(); !slices.EqualFunc(got, want, slices.Equal) {
			t.Errorf("buttons %q, want %q", got, want)
		}
	}
	page(list, []int{25, 24, 23, 22, 21}, []string{"Дальше →"})
	edited := func(header string) telegramtest.Message {
		t.Helper()
		return h.srv.MustWaitMessage(t, func(m telegramtest.Message) bool {
			return m.Chat.ID == sveta.u.ID && m.MessageID == list.MessageID && strings.HasPrefix(m.Text, header)
		})
	}
	sveta.press(list, "Дальше →")
	p2 := edited("Ваши сообщения (25), страница 2 из 5:")
	page(p2, []int{20, 19, 18, 17, 16}, []string{"← Назад", "Дальше →"})
	cur := p2
	for _, n := range []int{3, 4, 5} {
		sveta.press(cur, "Дальше →")
		cur = edited(fmt.Sprintf("Ваши сообщения (25), страница %d из 5:", n))
	}
	page(cur, []int{5, 4, 3, 2, 1}, []string{"← Назад"})
	sveta.press(cur, "← Назад")
	p4 := edited("Ваши сообщения (25), страница 4 из 5:")
	page(p4, []int{10, 9, 8, 7, 6}, []string{"← Назад", "Дальше →"})

	// A number opens the appeal.
	sveta.press(p4, "№ 2026-000007")
	detail := sveta.expect("Сообщение № 2026-000007 от 02.03.2026")
	for _, s := range []string{"Направление: ЖКХ", "Статус: передано исполнителю", "Ответ до: 17.03.2026", "Проблема номер 7 во дворе"} {
		if !strings.Contains(detail.Text, s) {
			t.Errorf("detail lacks %q:\n%s", s, detail.Text)
		}
	}
	if _, ok := detail.Button("Отозвать"); !ok {
		t.Errorf("detail has no «Отозвать»: %q", detail.ButtonTexts())
	}
}

func TestStatusShowsOnlyOwnAppeals(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	tanya, ulyana := h.newPlayer("Таня"), h.newPlayer("Ульяна")
	tanya.consent()
	ulyana.consent()
	h.submitFor(tanya.u, "housing", "Секретная подробность о подъезде Тани")
	tanya.send("/status 2026-1")
	own := tanya.expect("Сообщение № 2026-000001")
	if !strings.Contains(own.Text, "Секретная подробность") {
		t.Errorf("own appeal:\n%s", own.Text)
	}
	ulyana.send("/status 2026-000001")
	ulyana.expectExact("Сообщение № 2026-000001 не найдено.")
	ulyana.send("/status № 2026-000999")
	ulyana.expectExact("Сообщение № 2026-000999 не найдено.")
	ulyana.send("/status")
	ulyana.expectExact("Укажите номер сообщения, например: /status 2026-000017")
	ulyana.send("/status 17")
	ulyana.expectExact("Укажите номер сообщения, например: /status 2026-000017")
	// Nor through a forged button.
	a, err := h.db.FindAppealByNumber(context.Background(), "2026-000001")
	if err != nil {
		t.Fatal(err)
	}
	if ans := ulyana.pressData(own, fmt.Sprintf("\fr_show|%d", a.ID)); ans.Text != "Эта кнопка уже не действует." {
		t.Errorf("forged show answered %q", ans.Text)
	}
	if ans := ulyana.pressData(own, fmt.Sprintf("\fr_wdy|%d|%d", a.ID, a.Version)); ans.Text != "Эта кнопка уже не действует." {
		t.Errorf("forged withdraw answered %q", ans.Text)
	}
	ulyana.sync()
	if len(h.srv.Sent(ulyana.u.ID)) == 0 {
		t.Fatal("no messages")
	}
	for _, m := range h.srv.Sent(ulyana.u.ID) {
		if strings.Contains(m.Text, "Секретная") {
			t.Errorf("someone else's appeal leaked: %q", m.Text)
		}
	}
	if got := h.appeal(a.ID); got.State != workflow.StateAssigned {
		t.Errorf("appeal in %q after a forged withdraw", got.State)
	}
}

func TestWithdrawWithConfirmation(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	housing := h.srv.NewGroup("ЖКХ")
	h.bind(housing, 0, "housing")
	vera := h.newPlayer("Вера")
	vera.consent()
	h.submitFor(vera.u, "housing", "Не закрывается дверь подъезда в доме 4")
	vera.expect("Сообщение зарегистрировано, № 2026-000001")
	vera.send("/status 2026-000001")
	detail := vera.expect("Сообщение № 2026-000001")
	vera.press(detail, "Отозвать")
	ask := h.srv.MustWaitMessage(t, telegramtest.All(telegramtest.SentTo(vera.u.ID), telegramtest.Contains("Отозвать сообщение № 2026-000001?")))
	if got := ask.ButtonTexts(); !slices.EqualFunc(got, [][]string{{"Да, отозвать", "Нет"}}, slices.Equal) {
		t.Errorf("confirmation buttons %q", got)
	}
	vera.press(ask, "Нет")
	back := h.srv.MustWaitMessage(t, telegramtest.All(telegramtest.SentTo(vera.u.ID), telegramtest.WithButton("Отозвать")))
	vera.press(back, "Отозвать")
	ask = h.srv.MustWaitMessage(t, telegramtest.All(telegramtest.SentTo(vera.u.ID), telegramtest.WithButton("Да, отозвать")))
	yes, _ := ask.Button("Да, отозвать")
	vera.press(ask, "Да, отозвать")
	h.srv.MustWaitMessage(t, telegramtest.All(telegramtest.SentTo(vera.u.ID),
		telegramtest.Contains("Сообщение № 2026-000001 отозвано. Сотрудники получили уведомление.")))
	h.srv.MustWaitSent(t, telegramtest.All(telegramtest.SentTo(housing.ID), telegramtest.Contains("№ 2026-000001: заявитель отозвал сообщение.")))
	a, err := h.db.FindAppealByNumber(context.Background(), "2026-000001")
	if err != nil {
		t.Fatal(err)
	}
	if a.State != workflow.StateWithdrawn {
		t.Fatalf("appeal in %q after withdraw", a.State)
	}
	events := h.count(`SELECT count(*) FROM appeal_events`)
	if ans := vera.pressData(ask, yes.CallbackData); ans.Text != "Статус сообщения изменился. Посмотрите его снова: /status 2026-000001" {
		t.Errorf("second withdraw answered %q", ans.Text)
	}
	if n := h.count(`SELECT count(*) FROM appeal_events`); n != events {
		t.Errorf("audit events %d → %d after a second withdraw", events, n)
	}
}
