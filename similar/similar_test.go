package similar

import "testing"

func TestTextDropsWhatDoesNotTellAppealsApart(t *testing.T) {
	for _, c := range []struct{ a, b string }{
		{"Здравствуйте! Нет отопления, батареи холодные.", "нет ОТОПЛЕНИЯ батареи холодные!!!"},
		{"Не вывозят мусор уже 5 дней", "мусор не вывозят 10 дней"},
		{"Отопление отключили", "отопления отключили"},
		{"Ёлка упала", "елка упала"},
	} {
		if ta, tb := Text(c.a), Text(c.b); ta != tb {
			t.Errorf("Text(%q) = %q, Text(%q) = %q; want equal", c.a, ta, c.b, tb)
		}
	}
	if got := Text("Здравствуйте, пожалуйста, помогите!"); got != "" {
		t.Errorf("courtesy alone normalised to %q, want empty", got)
	}
	if got := Text("Нет отопления"); got != "отоплен" {
		t.Errorf("Text(Нет отопления) = %q, want отоплен", got)
	}
}

func TestStemKeepsShortWords(t *testing.T) {
	for w, want := range map[string]string{"воды": "воды", "вода": "вода", "фонари": "фонар", "ямы": "ямы", "деревья": "дерев"} {
		if got := Stem(w); got != want {
			t.Errorf("Stem(%q) = %q, want %q", w, got, want)
		}
	}
}

func TestNormalAddressOneFormOfTypesHouseKept(t *testing.T) {
	for _, c := range []struct{ in, key, street string }{
		{"ул. Ленина, д. 5", "ул ленина 5", "ул ленина"},
		{"улица Ленина дом 5", "ул ленина 5", "ул ленина"},
		{"Ленинградская обл., Гатчинский р-н, пос. Сиверский, ул. Ленина, д.5, кв. 12", "сиверский ул ленина 5", "сиверский ул ленина"},
		{"поселок Сиверский, улица Ленина 5 подъезд 2", "сиверский ул ленина 5", "сиверский ул ленина"},
		{"д. Выра, ул. Центральная, д. 3", "выра ул центральная 3", "выра ул центральная"},
		{"г. Гатчина, пр-т 25 Октября, 10", "гатчина пр 25 октября 10", "гатчина пр"},
		{"ул. Ленина", "ул ленина", "ул ленина"},
		{"", "", ""},
	} {
		got := NormalAddress(c.in)
		if got.Key != c.key || got.Street != c.street {
			t.Errorf("NormalAddress(%q) = %+v, want key %q street %q", c.in, got, c.key, c.street)
		}
	}
	if a, b := NormalAddress("г. Гатчина, ул. Ленина, 5"), NormalAddress("Гатчина, улица Ленина, д.5"); a != b {
		t.Errorf("one house written two ways: %+v, %+v", a, b)
	}
	if a, b := NormalAddress("ул. Ленина, 5"), NormalAddress("ул. Ленина, 7"); a.Key == b.Key || a.Street != b.Street {
		t.Errorf("houses 5 and 7: %+v, %+v; want other keys, one street", a, b)
	}
}
