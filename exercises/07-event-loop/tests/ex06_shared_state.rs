//! Tests for exercise 07.6: tasks on one thread share a shop through `Rc<RefCell<_>>`.
//! `futures`' `LocalPool` runs them in a fixed order, so every interleaving is the same
//! on every run.

use ch07_event_loop::ex06_shared_state::{OrderError, Shop, order};
use futures::executor::LocalPool;
use futures::task::LocalSpawnExt;
use std::cell::RefCell;
use std::rc::Rc;
use support::timeout;

/// Runs one `order` task per `(item, n)`, all at once, and returns their results in
/// the same order.
fn run_orders(shop: &Rc<Shop>, orders: &[(&'static str, u32)]) -> Vec<Result<u32, OrderError>> {
    let mut pool = LocalPool::new();
    let results = Rc::new(RefCell::new(vec![None; orders.len()]));
    for (i, &(item, n)) in orders.iter().enumerate() {
        let (shop, results) = (shop.clone(), results.clone());
        pool.spawner()
            .spawn_local(async move {
                let outcome = order(shop, item, n).await;
                results.borrow_mut()[i] = Some(outcome);
            })
            .unwrap();
    }
    pool.run();
    let results = results.borrow();
    results
        .iter()
        .map(|r| r.expect("every order task must finish"))
        .collect()
}

#[test]
fn an_order_takes_the_units_and_costs_their_price() {
    timeout(|| {
        let shop = Shop::new(&[("tea", 5)], &[("tea", 3)]);
        assert_eq!(
            run_orders(&shop, &[("tea", 2)]),
            [Ok(6)],
            "2 teas at 3 each, with 5 in stock: the order costs 6"
        );
        assert_eq!(shop.left("tea"), 3, "5 teas, 2 sold: 3 left");
        assert_eq!(shop.lookups.get(), 1, "one order, one price lookup");
        assert_eq!(
            run_orders(&shop, &[("tea", 4)]),
            [Err(OrderError::OutOfStock)],
            "4 teas wanted, 3 left: out of stock"
        );
        assert_eq!(
            shop.left("tea"),
            3,
            "an order refused leaves the stock as it was"
        );
        assert_eq!(
            shop.lookups.get(),
            1,
            "an order refused for want of stock looked up the price: check and take the \
             units first, and ask the price service only for an order that can be served"
        );
    });
}

#[test]
fn two_customers_cannot_buy_the_last_unit() {
    timeout(|| {
        let shop = Shop::new(&[("lamp", 1)], &[("lamp", 40)]);
        // Both tasks start before either finishes its price lookup.
        let results = run_orders(&shop, &[("lamp", 1), ("lamp", 1)]);
        assert_eq!(
            results,
            [Ok(40), Err(OrderError::OutOfStock)],
            "one lamp, two orders: the first must get it and the second must be told it \
             is out of stock. A check before the await and a take after it let both \
             through: the other task runs at the await"
        );
        assert_eq!(shop.left("lamp"), 0, "the one lamp was sold: none left");
    });
}

#[test]
fn many_customers_never_oversell() {
    timeout(|| {
        let shop = Shop::new(&[("cup", 10)], &[("cup", 2)]);
        let orders = [("cup", 3); 6];
        let results = run_orders(&shop, &orders);
        let sold: u32 = results.iter().filter(|r| r.is_ok()).count() as u32 * 3;
        assert_eq!(
            sold, 9,
            "10 cups sell as three orders of 3, no more: {results:?}"
        );
        assert_eq!(shop.left("cup"), 1, "10 cups, 9 sold: 1 left");
    });
}

#[test]
fn a_failed_price_lookup_puts_the_units_back() {
    timeout(|| {
        let shop = Shop::new(&[("rare", 2)], &[]);
        let results = run_orders(&shop, &[("rare", 2), ("rare", 1)]);
        // The first order holds both units while it waits for a price, so the second is
        // told they are gone; then the lookup fails and the units come back.
        assert_eq!(
            results,
            [Err(OrderError::NoPrice), Err(OrderError::OutOfStock)],
            "2 rare items and no price: the first order takes both and fails on the price, \
             the second, meanwhile, finds none left"
        );
        assert_eq!(
            shop.left("rare"),
            2,
            "an order that fails must leave the stock as it found it"
        );
        assert_eq!(
            shop.lookups.get(),
            1,
            "one order got as far as the price lookup"
        );
    });
}

#[test]
fn failed_orders_give_back_their_own_units_whatever_the_others_did_meanwhile() {
    // Two orders of an item without a price, both waiting for it at once. Each must put
    // back the units it took, and only those: "putting back" the count it saw before
    // its await erases what the other order did meanwhile.
    timeout(|| {
        let shop = Shop::new(&[("rare", 5)], &[]);
        let results = run_orders(&shop, &[("rare", 2), ("rare", 1)]);
        assert_eq!(
            results,
            [Err(OrderError::NoPrice), Err(OrderError::NoPrice)],
            "5 rare items and no price: both orders take their units, and both fail on the \
             price"
        );
        assert_eq!(
            shop.left("rare"),
            5,
            "two orders failed, so the stock must be as it was: add back the units the \
             order took (the count it read before its await is out of date by then)"
        );
    });
}

#[test]
fn an_order_for_the_very_last_units_is_served() {
    timeout(|| {
        let shop = Shop::new(&[("pen", 3)], &[("pen", 2)]);
        assert_eq!(
            run_orders(&shop, &[("pen", 3)]),
            [Ok(6)],
            "3 pens wanted, 3 left: enough, the order is served"
        );
        assert_eq!(shop.left("pen"), 0, "3 pens, 3 sold: none left");
    });
}
