//! Seed 004's invoices and payments with no I/O: amounts in cents, which statuses a person
//! may set, and the status that follows from what has been paid.

/// How a payment was made (the `payments.payment_method` vocabulary).
pub const PAYMENT_METHODS: [&str; 5] = ["card", "bank_transfer", "cash", "wallet", "other"];
/// Statuses set by hand; `partially_paid` and `paid` follow from payments.
pub const MANUAL_STATUSES: [&str; 3] = ["draft", "issued", "void"];

/// The largest amount taken, in cents: far above any tutoring invoice, far below overflow.
const MAX_CENTS: i64 = 10_000_000_000;

/// "12", "12.5", "12.50" or "12,50" → cents. At most two decimals, more than zero.
pub fn parse_amount(raw: &str) -> Result<i64, String> {
    let s = raw.trim().replace(',', ".");
    let bad = || format!("'{}' is not an amount (like 12.50)", raw.trim());
    let (whole, frac) = s.split_once('.').unwrap_or((&s, "00"));
    let digits = |d: &str| !d.is_empty() && d.len() <= 10 && d.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || !digits(frac) || frac.len() > 2 {
        return Err(bad());
    }
    let cents =
        whole.parse::<i64>().map_err(|_| bad())? * 100 + format!("{frac:0<2}").parse::<i64>().map_err(|_| bad())?;
    match cents {
        0 => Err("the amount must be more than zero".into()),
        c if c > MAX_CENTS => Err(format!("{} is more than an invoice may hold", raw.trim())),
        c => Ok(c),
    }
}

/// Three letters, as ISO 4217 writes them.
pub fn currency(raw: &str) -> Result<String, String> {
    let c = raw.trim().to_ascii_uppercase();
    if c.len() == 3 && c.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(c)
    } else {
        Err(format!("'{}' is not a currency code (three letters, like EUR)", raw.trim()))
    }
}

/// An invoice's short name: the id's last eight hex digits, which are random (the first ones
/// of a v7 id are its creation time, alike for a day's invoices).
pub fn short_id(id: uuid::Uuid) -> String {
    let hex = id.simple().to_string();
    hex[hex.len() - 8..].to_string()
}

pub fn format_cents(cents: i64, currency: &str) -> String {
    format!("{}.{:02} {currency}", cents / 100, cents % 100)
}

/// Who sees an invoice: staff (whoever may update invoices) see all; a student sees their
/// own once it is issued — drafts are staff-only. The store's reads apply the same rule in
/// SQL (`DRAFTS_HIDDEN` in store/support/invoices.rs).
pub fn visible(status: &str, own: bool, staff: bool) -> bool {
    staff || (own && status != "draft")
}

/// May an invoice with `paid` cents received move from `from` to `to` by hand?
pub fn may_set(from: &str, to: &str, paid: i64) -> Result<(), String> {
    match (from, to) {
        (_, "partially_paid" | "paid") => Err("paid and partly paid follow from payments: record a payment".into()),
        (f, t) if f == t => Err(format!("the invoice is {f} already")),
        ("void", _) => Err("a void invoice stays void".into()),
        ("paid", _) => Err("a paid invoice is settled".into()),
        (_, "void") if paid > 0 => Err("payments were taken: refund them before voiding".into()),
        (_, "draft") if from != "issued" || paid > 0 => Err("only an issued, unpaid invoice goes back to draft".into()),
        (_, t) if MANUAL_STATUSES.contains(&t) => Ok(()),
        (_, t) => Err(format!("'{t}' is not an invoice status")),
    }
}

/// Check a payment of `amount` cents against an invoice of `total` with `paid` received,
/// and give the invoice's status after it.
pub fn after_payment(status: &str, total: i64, paid: i64, amount: i64) -> Result<&'static str, String> {
    match status {
        "draft" => return Err("issue the invoice before taking payments".into()),
        "void" | "paid" => return Err(format!("the invoice is {status}: it takes no payments")),
        _ => {}
    }
    if amount <= 0 {
        return Err("the amount must be more than zero".into());
    }
    let owed = total - paid;
    if amount > owed {
        return Err(format!("that is more than the {}.{:02} still owed", owed / 100, owed % 100));
    }
    Ok(if amount == owed { "paid" } else { "partially_paid" })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drafts_are_staff_only() {
        assert!(visible("draft", false, true));
        assert!(!visible("draft", true, false));
        assert!(visible("issued", true, false));
        assert!(!visible("issued", false, false));
    }

    #[test]
    fn amounts_are_read_in_cents() {
        assert_eq!(parse_amount("12"), Ok(1200));
        assert_eq!(parse_amount(" 12.5 "), Ok(1250));
        assert_eq!(parse_amount("0,07"), Ok(7));
        for bad in ["", "12.345", "-3", "1e3", "12.", ".5", "abc", "0", "0.00", "99999999999"] {
            assert!(parse_amount(bad).is_err(), "{bad}");
        }
        assert_eq!(format_cents(1205, "EUR"), "12.05 EUR");
        assert_eq!(currency(" eur"), Ok("EUR".into()));
        assert!(currency("EURO").is_err() && currency("€").is_err());
    }

    #[test]
    fn statuses_set_by_hand_follow_the_life_of_an_invoice() {
        assert!(may_set("draft", "issued", 0).is_ok());
        assert!(may_set("issued", "draft", 0).is_ok());
        assert!(may_set("issued", "void", 0).is_ok());
        assert!(may_set("partially_paid", "void", 500).is_err());
        assert!(may_set("partially_paid", "draft", 500).is_err());
        assert!(may_set("issued", "paid", 0).is_err());
        assert!(may_set("void", "issued", 0).is_err());
        assert!(may_set("paid", "void", 1000).is_err());
        assert!(may_set("issued", "issued", 0).is_err());
        assert!(may_set("draft", "sent", 0).is_err());
    }

    #[test]
    fn payments_settle_an_invoice_and_never_overpay_it() {
        assert_eq!(after_payment("issued", 1000, 0, 400), Ok("partially_paid"));
        assert_eq!(after_payment("partially_paid", 1000, 400, 600), Ok("paid"));
        assert!(after_payment("partially_paid", 1000, 400, 601).unwrap_err().contains("6.00 still owed"));
        assert!(after_payment("draft", 1000, 0, 100).is_err());
        assert!(after_payment("void", 1000, 0, 100).is_err());
        assert!(after_payment("paid", 1000, 1000, 1).is_err());
        assert!(after_payment("issued", 1000, 0, 0).is_err());
    }
}
