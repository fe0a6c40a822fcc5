package bot_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"mcu/internal/telegramtest"
	"mcu/workflow"
)

func TestIntakeSubmitsAppealWithPhotosAndLocation(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	housing := h.srv.NewGroup("ЖКХ")
	h.bind(housing, 0, "housing")
	alice := h.newPlayer("Алиса")

	alice.consent()
	alice.send("/new")
	dirs := alice.expectExact("Выберите направление, к которому относится проблема:")
	want := [][]string{
		{"Внутренняя политика"}, {"Безопасность, социальная политика, образование, культура и спорт"},
		{"ЖКХ"}, {"Экономика и финансы"}, {"Имущество, земельные ресурсы, жилищный контроль, архитектура"},
		{"Не знаю"}, {"Отменить"},
	}
	if got := dirs.ButtonTexts(); !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("direction buttons %q, want %q", got, want)
	}
	alice.press(dirs, "ЖКХ")
	// The prompt asks for the description in place.
	if got := alice.expectIn(dirs, "Опишите").Content(); got != "Опишите проблему: что случилось и где. Можно приложить фото (до 10)." {
		t.Errorf("prompt after the direction: %q", got)
	}
	alice.send("Во дворе дома 5 по ул. Ленина третью неделю не вывозят мусор")
	ack := alice.expect("Записал.")
	if _, ok := ack.Button("Дальше"); !ok {
		t.Errorf("no «Дальше» under %q: %q", ack.Text, ack.ButtonTexts())
	}
	p1 := alice.sent(h.srv.SendPhoto(alice.u, ""))
	alice.expect("Фото сохранено")
	p2 := alice.sent(h.srv.SendPhoto(alice.u, "Вот так выглядит площадка"))
	alice.expect("Фото сохранено")
	// A place on the map sent with 📎 ends the description: the summary.
	alice.sent(h.srv.SendLocation(alice.u, 59.1175, 28.0881))
	summary := alice.expect("Проверьте, всё ли верно:")
	for _, s := range []string{"Направление: ЖКХ", "не вывозят мусор\n\nВот так выглядит площадка", "Фото: 2", "Место: отмечено на карте", "Телефон: не указан", "телефон можно добавить: «Изменить»", "Всё верно? Нажмите «Отправить»."} {
		if !strings.Contains(summary.Text, s) {
			t.Errorf("summary lacks %q:\n%s", s, summary.Text)
		}
	}
	if got := summary.ButtonTexts(); !slices.EqualFunc(got, [][]string{{"Отправить"}, {"Изменить", "Отменить"}}, slices.Equal) {
		t.Errorf("summary buttons %q", got)
	}
	alice.press(summary, "Отправить")
	// The summary becomes the number, in place; nothing else is sent.
	registered := alice.expectIn(summary, "зарегистрировано")
	if registered.Content() != "Сообщение зарегистрировано, № 2026-000001, ответ до 17.03.2026." || len(registered.ButtonTexts()) != 0 {
		t.Errorf("after «Отправить» the summary reads %q with buttons %q", registered.Content(), registered.ButtonTexts())
	}

	a, err := h.db.FindAppealByNumber(context.Background(), "2026-000001")
	if err != nil {
		t.Fatal(err)
	}
	if a.State != workflow.StateAssigned || a.Direction != "housing" || a.ResidentUserID != alice.u.ID {
		t.Errorf("appeal %s in %q, direction %q, resident %d", a.Number(), a.State, a.Direction, a.ResidentUserID)
	}
	if a.Location == nil || a.Location.Latitude != 59.1175 || a.Location.Longitude != 28.0881 {
		t.Errorf("location %+v", a.Location)
	}
	var files []string
	for _, f := range a.Attachments {
		files = append(files, f.FileID)
	}
	if want := []string{largest(p1), largest(p2)}; !slices.Equal(files, want) {
		t.Errorf("attachments %q, want %q", files, want)
	}
	if kind, _, _ := h.dialog(alice.u.ID); kind != "" {
		t.Errorf("dialog %q left after submitting", kind)
	}
	h.srv.MustWaitSent(t, telegramtest.All(telegramtest.SentTo(housing.ID), telegramtest.Contains("№ 2026-000001")))
	// The consent was recorded with its time and text version.
	if n := h.count(`SELECT count(*) FROM residents WHERE telegram_user_id = $1 AND consent_at IS NOT NULL AND consent_version = '2026-12-01'`, alice.u.ID); n != 1 {
		t.Errorf("%d residents with consent recorded", n)
	}
}

func TestIntakeDontKnowGoesToTriage(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	triage := h.srv.NewGroup("Сортировка")
	h.bind(triage, 0, "triage")
	bob := h.newPlayer("Борис")
	bob.startIntake("Не знаю")
	bob.send("На остановке у рынка разбито стекло павильона")
	saved := bob.expect("Записал.")
	bob.press(saved, "Дальше")
	// The place and the phone are added from the summary.
	summary := bob.expectIn(saved, "Проверьте, всё ли верно:")
	bob.press(summary, "Изменить")
	bob.press(bob.expectIn(summary, "Что изменить?"), "Место")
	where := bob.expect("Где это?")
	if len(where.Keyboard) == 0 || !where.Keyboard[0][0].RequestLocation {
		t.Errorf("the place step has no location button: %+v", where.Keyboard)
	}
	bob.send("Рыночная площадь, 1")
	bob.expectExact("Хорошо.") // the main menu is back
	summary = bob.expect("Проверьте, всё ли верно:")
	bob.press(summary, "Изменить")
	bob.press(bob.expectIn(summary, "Что изменить?"), "Телефон")
	phone := bob.expect("Оставьте номер телефона")
	if len(phone.Keyboard) == 0 || !phone.Keyboard[0][0].RequestContact {
		t.Errorf("phone step has no contact button: %+v", phone.Keyboard)
	}
	bob.sent(h.srv.SendContact(bob.u, "+7 911 123-45-67"))
	summary = bob.expect("Проверьте, всё ли верно:")
	for _, s := range []string{"Направление: не знаю (определят сотрудники)", "Адрес: Рыночная площадь, 1", "Телефон: +79111234567"} {
		if !strings.Contains(summary.Text, s) {
			t.Errorf("summary lacks %q:\n%s", s, summary.Text)
		}
	}
	bob.press(summary, "Отправить")
	bob.expectIn(summary, "Сообщение зарегистрировано, № 2026-000001")
	a, err := h.db.FindAppealByNumber(context.Background(), "2026-000001")
	if err != nil {
		t.Fatal(err)
	}
	if a.State != workflow.StateRegistered || a.Direction != "" || a.Address != "Рыночная площадь, 1" {
		t.Errorf("appeal in %q, direction %q, address %q; want registered in triage", a.State, a.Direction, a.Address)
	}
	if n := h.count(`SELECT count(*) FROM appeal_contacts WHERE appeal_id = $1 AND contact = '+79111234567'`, a.ID); n != 1 {
		t.Errorf("phone not kept with the appeal (%d rows)", n)
	}
	h.srv.MustWaitSent(t, telegramtest.All(telegramtest.SentTo(triage.ID), telegramtest.Contains("№ 2026-000001")))
}

func TestIntakeSurvivesRestart(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	carol := h.newPlayer("Карина")
	carol.startIntake("Экономика и финансы")
	carol.send("Уличный торговец у станции работает без разрешения")
	carol.expect("Записал.")
	p := carol.sent(h.srv.SendPhoto(carol.u, ""))
	carol.expect("Фото сохранено")

	h.restart()

	// The old message's «Дальше» still works with the new process.
	carol.sent(h.srv.SendPhoto(carol.u, ""))
	next := carol.expect("Фото сохранено")
	carol.press(next, "Дальше")
	summary := carol.expectIn(next, "Проверьте")
	carol.press(summary, "Отправить")
	carol.expectIn(summary, "Сообщение зарегистрировано, № 2026-000001")
	a, err := h.db.FindAppealByNumber(context.Background(), "2026-000001")
	if err != nil {
		t.Fatal(err)
	}
	if a.Direction != "economy" || !strings.Contains(a.Text, "без разрешения") || len(a.Attachments) != 2 || a.Attachments[0].FileID != largest(p) {
		t.Errorf("after restart: direction %q, text %q, %d photos", a.Direction, a.Text, len(a.Attachments))
	}
}

func TestIntakeAlbumBecomesOneAppeal(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	dan := h.newPlayer("Данила")
	dan.startIntake("ЖКХ")
	album := h.srv.SendAlbum(dan.u, 3, "Подъезд дома 12 затопило, вода стоит на лестнице")
	dan.sent(album[len(album)-1])
	// One acknowledgement for the whole album.
	ack := dan.expect("Фото сохранено")
	dan.sync()
	if n := len(dan.botMessagesAfter(album[0].MessageID, dan.seen)); n != 2 {
		t.Errorf("%d bot messages for an album of 3 and /help, want 2 (one acknowledgement)", n)
	}
	dan.press(ack, "Дальше")
	summary := dan.expectIn(ack, "Проверьте")
	dan.press(summary, "Отправить")
	dan.expectIn(summary, "Сообщение зарегистрировано, № 2026-000001")
	if n := h.count(`SELECT count(*) FROM appeals`); n != 1 {
		t.Errorf("%d appeals from one album, want 1", n)
	}
	a, err := h.db.FindAppealByNumber(context.Background(), "2026-000001")
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Attachments) != 3 || a.Text != "Подъезд дома 12 затопило, вода стоит на лестнице" {
		t.Errorf("appeal has %d photos and text %q; want 3 and the caption", len(a.Attachments), a.Text)
	}
	for i, m := range album {
		if a.Attachments[i].FileID != largest(m) {
			t.Errorf("photo %d is %q, want %q", i, a.Attachments[i].FileID, largest(m))
		}
	}
}

func TestIntakeEditAndBack(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	eva := h.newPlayer("Ева")
	eva.startIntake("ЖКХ")
	eva.send("Не работает лифт в доме 3 по ул. Мира")
	saved := eva.expect("Записал.")
	eva.press(saved, "Дальше")
	summary := eva.expectIn(saved, "Проверьте")
	eva.press(summary, "Изменить")
	eva.press(eva.expectIn(summary, "Что изменить?"), "Место")
	eva.expect("Где это?")
	eva.send("ул. Мира, 3")
	summary = eva.expect("Проверьте")
	eva.press(summary, "Изменить")
	eva.press(eva.expectIn(summary, "Что изменить?"), "Место")
	eva.expect("Где это?")
	eva.send("Назад")
	summary = eva.expect("Проверьте")
	eva.press(summary, "Изменить")
	eva.press(eva.expectIn(summary, "Что изменить?"), "Место")
	eva.expect("Где это?")
	eva.send("ул. Мира, 3, подъезд 2")
	summary = eva.expect("Проверьте")
	eva.press(summary, "Изменить")
	eva.press(eva.expectIn(summary, "Что изменить?"), "Телефон")
	eva.expect("Оставьте номер телефона")
	eva.send("8 (911) 000-11-22")
	confirm := eva.expect("Проверьте")
	eva.press(confirm, "Изменить")
	eva.press(eva.expectIn(confirm, "Что изменить?"), "Направление")
	eva.press(eva.expectIn(confirm, "Выберите направление"), "Имущество, земельные ресурсы, жилищный контроль, архитектура")
	summary = eva.expectIn(confirm, "Проверьте")
	for _, s := range []string{"Направление: Имущество", "Адрес: ул. Мира, 3, подъезд 2", "Телефон: +79110001122", "Не работает лифт"} {
		if !strings.Contains(summary.Text, s) {
			t.Errorf("summary after edit lacks %q:\n%s", s, summary.Text)
		}
	}
	// Pressing «Отправить» of an earlier summary does nothing.
	if a := eva.pressData(saved, strings.Replace(summary.Buttons()[0].CallbackData, "|", "|0", 1)); a.Text != "Эта кнопка уже не действует." {
		t.Errorf("old «Отправить» answered %q", a.Text)
	}
	eva.press(summary, "Отменить")
	if got := eva.expectIn(summary, "отменено").Content(); got != "Сообщение отменено, ничего не отправлено. Начать заново — /new." {
		t.Errorf("after «Отменить»: %q", got)
	}
	if n := h.count(`SELECT count(*) FROM appeals`); n != 0 {
		t.Errorf("%d appeals after cancelling", n)
	}
	if kind, _, _ := h.dialog(eva.u.ID); kind != "" {
		t.Errorf("dialog %q left after cancelling", kind)
	}
}

func TestIntakeTextWithoutDialogIsKept(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	fedor := h.newPlayer("Фёдор")
	fedor.consent()
	fedor.send("Третий день не горят фонари на улице Гагарина")
	dirs := fedor.expectExact("Описание сохранено. Теперь выберите направление кнопкой:")
	fedor.press(dirs, "ЖКХ")
	next := fedor.expectIn(dirs, "Записал.")
	fedor.press(next, "Дальше")
	fedor.expectIn(dirs, "Проверьте")
	if _, _, data := h.dialog(fedor.u.ID); data["text"] != "Третий день не горят фонари на улице Гагарина" {
		t.Errorf("dialog text %q", data["text"])
	}
}
