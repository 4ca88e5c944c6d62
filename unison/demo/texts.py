# ruff: noqa: RUF001  (the texts are written in Georgian, Armenian, Hebrew and Cyrillic script)
"""What the shop shows and what the brand and its customers write, in each market's language."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True, slots=True)
class Lang:
    site_title: str
    ui: dict[str, str]  # page titles: search, cart, checkout, account, signup
    categories: dict[str, str]
    questions: tuple[str, str, str, str]  # customer asks: order status, size, opening hours, return
    answers: tuple[str, str, str, str]  # the brand answers, same order
    thanks: str
    tickets: tuple[tuple[str, str], ...]  # (subject, text)
    campaigns: dict[str, str]  # campaign code -> e-mail subject
    sms_shipped: str  # {order_id}


LANGS: Final[dict[str, Lang]] = {
    "ka": Lang(
        site_title="Unison — ონლაინ მაღაზია",
        ui={
            "search": "ძიების შედეგები",
            "cart": "კალათა",
            "checkout": "შეკვეთის გაფორმება",
            "account": "ჩემი ანგარიში",
            "signup": "რეგისტრაცია",
        },
        categories={
            "electronics": "ელექტრონიკა",
            "home": "სახლი და სამზარეულო",
            "sports": "სპორტი",
            "accessories": "აქსესუარები",
            "gift_cards": "სასაჩუქრე ბარათები",
        },
        questions=(
            "გამარჯობა! ჩემი შეკვეთა უკვე გამოგზავნილია?",
            "გაქვთ ეს უფრო პატარა ზომაში?",
            "დღეს რომელ საათამდე მუშაობს მაღაზია?",
            "მინდა ნივთის დაბრუნება, როგორ გავაკეთო?",
        ),
        answers=(
            "გამარჯობა! თქვენი შეკვეთა უკვე გზაშია და 2-3 დღეში მოვა.",
            "დიახ, ეს ზომა ხელმისაწვდომია მაღაზიაშიც და ონლაინაც.",
            "ჩვენი მაღაზიები ღიაა 21:00-მდე.",
            "დაბრუნების ინსტრუქცია ელფოსტით გამოგიგზავნეთ.",
        ),
        thanks="მადლობა, გასაგებია!",
        tickets=(
            (
                "ნივთი დაზიანებული მოვიდა",
                "ამანათი დღეს მივიღე და ნივთი დაზიანებულია. გთხოვთ, დამეხმაროთ შეცვლაში.",
            ),
            (
                "თანხა არ დამიბრუნდა",
                "ნივთი ორი კვირის წინ დავაბრუნე, მაგრამ თანხა ჯერ არ ჩამრიცხვია.",
            ),
            (
                "ანგარიშზე შესვლა ვერ ხერხდება",
                "ანგარიშში ვერ შევდივარ, პაროლის აღდგენის წერილი არ მოდის.",
            ),
            ("არასწორი ნივთი მომიტანეს", "შეკვეთილის ნაცვლად სხვა ნივთი მივიღე."),
        ),
        campaigns={
            "weekly_digest": "კვირის რჩეული თქვენთვის",
            "new_arrivals": "ახალი პროდუქცია უკვე მაღაზიებშია",
            "seasonal_sale": "სეზონური ფასდაკლება 30%-მდე",
            "loyalty_bonus": "თქვენი ლოიალობის ბონუსი გელოდებათ",
            "abandoned_cart": "კალათაში ნივთები დაგრჩათ",
        },
        sms_shipped="თქვენი შეკვეთა {order_id} გამოგზავნილია. თვალი ადევნეთ Unison-ის აპლიკაციაში.",
    ),
    "hy": Lang(
        site_title="Unison — առցանց խանութ",
        ui={
            "search": "Որոնման արդյունքներ",
            "cart": "Զամբյուղ",
            "checkout": "Պատվերի ձևակերպում",
            "account": "Իմ հաշիվը",
            "signup": "Գրանցում",
        },
        categories={
            "electronics": "Էլեկտրոնիկա",
            "home": "Տուն և խոհանոց",
            "sports": "Սպորտ",
            "accessories": "Աքսեսուարներ",
            "gift_cards": "Նվեր քարտեր",
        },
        questions=(
            "Բարև Ձեզ, իմ պատվերն արդեն ուղարկվե՞լ է։",
            "Սա ավելի փոքր չափսով ունե՞ք։",
            "Խանութն այսօր մինչև ժամը քանի՞սն է աշխատում։",
            "Ուզում եմ ապրանքը վերադարձնել, ինչպե՞ս անեմ։",
        ),
        answers=(
            "Բարև Ձեզ։ Ձեր պատվերն արդեն ճանապարհին է և կհասնի 2-3 օրում։",
            "Այո, այդ չափսը հասանելի է և՛ խանութում, և՛ առցանց։",
            "Մեր խանութները բաց են մինչև 21:00։",
            "Վերադարձի հրահանգները ուղարկել ենք Ձեր էլ. փոստին։",
        ),
        thanks="Շնորհակալություն, հասկանալի է։",
        tickets=(
            (
                "Ապրանքը վնասված է հասել",
                "Ծանրոցը այսօր ստացա, և ապրանքը վնասված է։ Խնդրում եմ օգնել փոխարինման հարցում։",
            ),
            (
                "Գումարը չի վերադարձվել",
                "Ապրանքը վերադարձրել եմ երկու շաբաթ առաջ, բայց գումարը դեռ չեմ ստացել։",
            ),
            (
                "Չեմ կարողանում մուտք գործել հաշիվ",
                "Չեմ կարողանում մուտք գործել իմ հաշիվ, գաղտնաբառի վերականգնման նամակը չի գալիս։",
            ),
            ("Սխալ ապրանք է առաքվել", "Ստացել եմ այլ ապրանք, ոչ այն, ինչ պատվիրել էի։"),
        ),
        campaigns={
            "weekly_digest": "Շաբաթվա ընտրանին Ձեզ համար",
            "new_arrivals": "Նորույթներն արդեն վաճառքում են",
            "seasonal_sale": "Սեզոնային զեղչեր՝ մինչև 30%",
            "loyalty_bonus": "Ձեզ սպասում է հավատարմության բոնուսը",
            "abandoned_cart": "Զամբյուղում ապրանքներ եք թողել",
        },
        sms_shipped="Ձեր {order_id} պատվերն ուղարկված է։ Հետևեք դրան Unison հավելվածում։",
    ),
    "he": Lang(
        site_title="Unison — חנות אונליין",
        ui={
            "search": "תוצאות חיפוש",
            "cart": "עגלת קניות",
            "checkout": "תשלום",
            "account": "החשבון שלי",
            "signup": "הרשמה",
        },
        categories={
            "electronics": "אלקטרוניקה",
            "home": "בית ומטבח",
            "sports": "ספורט",
            "accessories": "אקססוריז",
            "gift_cards": "כרטיסי מתנה",
        },
        questions=(
            "היי! ההזמנה שלי כבר נשלחה?",
            "יש לכם את זה במידה קטנה יותר?",
            "עד איזו שעה החנות פתוחה היום?",
            "אני רוצה להחזיר מוצר, איך עושים את זה?",
        ),
        answers=(
            "שלום! ההזמנה שלך בדרך ותגיע תוך 2-3 ימים.",
            "כן, המידה הזו זמינה בחנות ובאתר.",
            "החנויות שלנו פתוחות עד 21:00.",
            "שלחנו לך את הוראות ההחזרה במייל.",
        ),
        thanks="תודה, הבנתי!",
        tickets=(
            ("המוצר הגיע פגום", "החבילה הגיעה היום והמוצר פגום. אשמח לעזרה בהחלפה."),
            ("לא התקבל החזר כספי", "החזרתי את המוצר לפני שבועיים ועדיין לא קיבלתי החזר."),
            ("אין גישה לחשבון", "מייל איפוס הסיסמה לא מגיע ואין לי גישה לחשבון."),
            ("נשלח מוצר שגוי", "קיבלתי מוצר אחר מזה שהזמנתי."),
        ),
        campaigns={
            "weekly_digest": "הבחירות של השבוע בשבילך",
            "new_arrivals": "הגיעו מוצרים חדשים",
            "seasonal_sale": "מבצע עונתי: עד 30% הנחה",
            "loyalty_bonus": "בונוס הנאמנות שלך מחכה לך",
            "abandoned_cart": "שכחת משהו בעגלה",
        },
        sms_shipped="ההזמנה שלך {order_id} נשלחה. אפשר לעקוב אחריה באפליקציית Unison.",
    ),
    "uk": Lang(
        site_title="Unison — інтернет-магазин",
        ui={
            "search": "Результати пошуку",
            "cart": "Кошик",
            "checkout": "Оформлення замовлення",
            "account": "Особистий кабінет",
            "signup": "Реєстрація",
        },
        categories={
            "electronics": "Електроніка",
            "home": "Дім і кухня",
            "sports": "Спорт",
            "accessories": "Аксесуари",
            "gift_cards": "Подарункові картки",
        },
        questions=(
            "Добрий день! Моє замовлення вже відправлено?",
            "Чи є це в меншому розмірі?",
            "До котрої сьогодні працює магазин?",
            "Хочу повернути товар, як це зробити?",
        ),
        answers=(
            "Вітаємо! Ваше замовлення вже в дорозі й прибуде за 2–3 дні.",
            "Так, цей розмір є в магазині та на сайті.",
            "Наші магазини працюють до 21:00.",
            "Ми надіслали вам інструкцію щодо повернення на пошту.",
        ),
        thanks="Дякую, все зрозуміло!",
        tickets=(
            (
                "Товар прийшов пошкодженим",
                "Посилка прийшла сьогодні, товар пошкоджений. Допоможіть, будь ласка, із заміною.",
            ),
            ("Кошти не повернулися", "Товар повернули два тижні тому, але гроші досі не надійшли."),
            (
                "Не можу увійти в акаунт",
                "Не можу увійти в особистий кабінет, лист для скидання пароля не приходить.",
            ),
            ("Доставлено не той товар", "Мені привезли не той товар, що був у замовленні."),
        ),
        campaigns={
            "weekly_digest": "Добірка тижня для вас",
            "new_arrivals": "Новинки вже в продажу",
            "seasonal_sale": "Сезонний розпродаж: знижки до 30%",
            "loyalty_bonus": "На вас чекає бонус лояльності",
            "abandoned_cart": "Ви залишили товари в кошику",
        },
        sms_shipped="Ваше замовлення {order_id} відправлено. Відстежуйте його в застосунку Unison.",
    ),
    "ru": Lang(
        site_title="Unison — интернет-магазин",
        ui={
            "search": "Результаты поиска",
            "cart": "Корзина",
            "checkout": "Оформление заказа",
            "account": "Личный кабинет",
            "signup": "Регистрация",
        },
        categories={
            "electronics": "Электроника",
            "home": "Дом и кухня",
            "sports": "Спорт",
            "accessories": "Аксессуары",
            "gift_cards": "Подарочные карты",
        },
        questions=(
            "Здравствуйте! Мой заказ уже отправлен?",
            "Есть ли это в меньшем размере?",
            "До скольки сегодня работает магазин?",
            "Хочу вернуть товар, как это сделать?",
        ),
        answers=(
            "Здравствуйте! Ваш заказ уже в пути и прибудет через 2–3 дня.",
            "Да, этот размер есть в магазине и на сайте.",
            "Наши магазины работают до 21:00.",
            "Мы отправили вам инструкцию по возврату на почту.",
        ),
        thanks="Спасибо, всё понятно!",
        tickets=(
            (
                "Товар пришёл повреждённым",
                "Посылка пришла сегодня, товар повреждён. Помогите, пожалуйста, с заменой.",
            ),
            (
                "Возврат средств не поступил",
                "Товар был возвращён две недели назад, но деньги до сих пор не поступили.",
            ),
            (
                "Не могу войти в аккаунт",
                "Не могу войти в личный кабинет, письмо для сброса пароля не приходит.",
            ),
            ("Доставлен не тот товар", "Мне привезли не тот товар, что был в заказе."),
        ),
        campaigns={
            "weekly_digest": "Подборка недели для вас",
            "new_arrivals": "Новинки уже в продаже",
            "seasonal_sale": "Сезонная распродажа: скидки до 30%",
            "loyalty_bonus": "Вас ждёт бонус за лояльность",
            "abandoned_cart": "Вы забыли товары в корзине",
        },
        sms_shipped="Ваш заказ {order_id} отправлен. Отслеживайте его в приложении Unison.",
    ),
    "en": Lang(
        site_title="Unison — online store",
        ui={
            "search": "Search results",
            "cart": "Cart",
            "checkout": "Checkout",
            "account": "My account",
            "signup": "Sign up",
        },
        categories={
            "electronics": "Electronics",
            "home": "Home & Kitchen",
            "sports": "Sports",
            "accessories": "Accessories",
            "gift_cards": "Gift Cards",
        },
        questions=(
            "Hi! Has my order been shipped yet?",
            "Do you have this in a smaller size?",
            "What time does the store close today?",
            "I want to return an item, how do I do it?",
        ),
        answers=(
            "Hello! Your order is on its way and will arrive in 2-3 days.",
            "Yes, that size is available in our stores and online.",
            "Our stores are open until 9 pm.",
            "We have sent you the return instructions by e-mail.",
        ),
        thanks="Thanks, got it!",
        tickets=(
            (
                "Item arrived damaged",
                "The parcel arrived today and the item is damaged. Please help me get a "
                "replacement.",
            ),
            (
                "Refund not received",
                "I returned the item two weeks ago but I still have not received my refund.",
            ),
            (
                "Cannot log in to my account",
                "I cannot log in to my account and the password reset e-mail never arrives.",
            ),
            ("Wrong item delivered", "I received a different item from the one I ordered."),
        ),
        campaigns={
            "weekly_digest": "This week's picks for you",
            "new_arrivals": "New arrivals are here",
            "seasonal_sale": "Seasonal sale: up to 30% off",
            "loyalty_bonus": "Your loyalty bonus is waiting",
            "abandoned_cart": "You left something in your cart",
        },
        sms_shipped="Your order {order_id} has been shipped. Track it in the Unison app.",
    ),
}
