//! Authorisation, route by route: every route of `yinxin_server::ROUTES` × every role (and no
//! token, and a forged token), with the path's ids pointing at resources that belong to someone
//! else. Nothing answers 5xx; no request without a valid token succeeds except on the routes
//! the OpenAPI document marks public (`security: []`); another department never gets 2xx on
//! the market department's licences, materials, seals, annotations or archived transactions; no other holder gets
//! 2xx on a person's signing key or a holder's consent; only the admin gets 2xx on admin
//! routes. Owners run last (their writes change state), checked only for "no 5xx".

mod common;

use common::*;
use reqwest::Method;
use serde_json::json;
use std::collections::BTreeSet;

const ITEM: &str = "530100-XK-001";

/// Which principal owns the resources a route's ids point at.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Owner {
    Market,
    Person,
    Holder,
    Admin,
    Nobody,
}

fn owner(path: &str) -> Owner {
    if path.starts_with("/v1/admin") || path.starts_with("/v1/audit") {
        Owner::Admin
    } else if path.starts_with("/v1/signers/{id}") {
        Owner::Person
    } else if path.starts_with("/v1/holder/consents/{id}") || path.starts_with("/v1/holder/licences/{id}") {
        Owner::Holder
    } else if path.starts_with("/v1/licences/{id}")
        || path.starts_with("/v1/annotations/")
        || path.starts_with("/v1/seals/{id}")
        || path.starts_with("/v1/materials/{id}")
        || path.starts_with("/v1/archive/transactions/{id}")
    {
        Owner::Market
    } else {
        Owner::Nobody
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_refuses_every_role_it_should_on_sqlite() {
    every_route_refuses_every_role_it_should(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_refuses_every_role_it_should_on_postgres() {
    every_route_refuses_every_role_it_should(true).await;
}

async fn every_route_refuses_every_role_it_should(pg: bool) {
    let s = start(pg).await;
    let (market, transport, housing, admin, officer, holder, person, authority) = (
        s.market(),
        s.transport(),
        s.token("department:11530100MB03456781"),
        s.token("admin"),
        s.token("officer"),
        s.token("holder"),
        s.token("person"),
        s.token("seal_authority"),
    );
    // Resources: a licence of the holder issued by the market department, its annotation, a
    // seal and a material of the market department, a person's signer, a holder's consent.
    let l = s.post("/v1/licences", &market, business(Some("91530100MA6K0X123J"))).await.ok(201);
    let lid = l["identifier"].as_str().unwrap().to_string();
    let ann = s
        .post(
            &format!("/v1/licences/{lid}/annotations"),
            &holder,
            json!({"use_cause": "招投标", "user": "某中心", "expires": "2099-01-01"}),
        )
        .await
        .ok(201)["id"]
        .as_str()
        .unwrap()
        .to_string();
    let seal =
        s.post("/v1/seals", &market, json!({"name": "某市市场监督管理局", "kind": "official"})).await.ok(201)["id"]
            .as_str()
            .unwrap()
            .to_string();
    let pdf = s.get(&format!("/v1/licences/{lid}/pdf"), Some(&market)).await.bytes;
    let material = s.upload("/v1/materials?name=a.pdf", &market, pdf.to_vec(), "application/pdf").await.ok(201)["id"]
        .as_str()
        .unwrap()
        .to_string();
    let signer =
        s.post("/v1/signers", &person, json!({"name": "张三"})).await.ok(201)["id"].as_str().unwrap().to_string();
    let consent = s
        .post("/v1/holder/consents", &holder, json!({"department_code": "11530100MB0234567M", "type_code": "营业执照", "use_cause": "办理许可", "until": "2099-12-31"}))
        .await
        .ok(201)["id"]
        .as_str()
        .unwrap()
        .to_string();
    let client = s.get("/v1/admin/clients", Some(&admin)).await.ok(200)["items"][0]["id"].as_str().unwrap().to_string();
    // An archived transaction of the market department (an item catalogue first).
    let item = json!({"item_code": ITEM, "version": "2026.1", "name": "营业执照设立登记", "retention": "30y", "materials": [
        {"code": "A001", "name": "设立登记申请书", "required": true, "class": "application"}]});
    s.call(Method::PUT, &format!("/v1/archive/items/{ITEM}"), Some(&admin), Some(item), &[]).await.ok(200);
    let b64 = {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(&pdf)
    };
    let txn = json!({
        "transaction": {
            "txn_no": "AUTHZ-1", "item_code": ITEM, "item_name": "营业执照设立登记", "region_code": "530100",
            "applicant": {"name": "云南某某科技有限公司", "kind": "organisation", "id_type": "统一社会信用代码", "id_number": "91530100MA6K0X123J"},
            "accepted_at": "2026-11-02T09:30:00+08:00", "completed_at": "2026-11-05T16:00:00+08:00",
            "result": "准予", "licence_no": "L-1", "declared_count": 1, "declared_bytes": pdf.len()
        },
        "materials": [{
            "metadata": {"title": "设立登记申请书", "responsible": "申请人", "date": "2026-11-01", "code": "A001",
                         "class": "application", "file_name": "a.pdf", "source": "upload", "sharing": "unconditional"},
            "content": b64
        }]
    });
    let txn = s.post("/v1/archive/transactions", &market, txn).await.ok(201)["id"].as_str().unwrap().to_string();

    let fill = |path: &str| -> String {
        let id = match owner(path) {
            _ if path.starts_with("/v1/annotations/") => ann.clone(),
            _ if path.starts_with("/v1/seals/") => seal.clone(),
            _ if path.starts_with("/v1/materials/") => material.clone(),
            _ if path.starts_with("/v1/signers/") => signer.clone(),
            _ if path.starts_with("/v1/holder/consents/") => consent.clone(),
            _ if path.starts_with("/v1/admin/clients/") => client.clone(),
            _ if path.starts_with("/v1/archive/transactions/") => txn.clone(),
            _ => lid.clone(),
        };
        let code = if path.starts_with("/v1/archive/items/") { ITEM } else { "11530100MB0123456A001" };
        path.replace("{id}", &id)
            .replace("{format}", "pdf")
            .replace("{action}", "suspend")
            .replace("{code}", code)
            .replace("{path}", "0/000.p/1")
            .replace("{issuer}", "11530100MB0123456A")
            .replace("{list}", "0")
            .replace("{name}", "sm.js")
    };

    // The public operations, from the document the service serves.
    let doc = s.get("/openapi.json", None).await.ok(200);
    let mut public = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (m, op) in item.as_object().unwrap() {
            if op["security"] == json!([]) {
                public.insert((m.to_uppercase(), path.clone()));
            }
        }
    }
    assert!(public.len() >= 10, "{public:?}");

    let mut forged = market.clone();
    forged.pop();
    forged.push(if market.ends_with('A') { 'B' } else { 'A' });
    let foreign_dept = [("transport", transport.as_str()), ("housing", housing.as_str())];
    let mut failures = Vec::new();
    let mut calls = 0;
    let mut check = |who: &str, m: &str, p: &str, status: u16, ok_allowed: bool| {
        calls += 1;
        if status >= 500 {
            failures.push(format!("{who}: {m} {p} → {status} (5xx)"));
        } else if (200..300).contains(&status) && !ok_allowed {
            failures.push(format!("{who}: {m} {p} → {status} (should be refused)"));
        }
    };
    // Bodies that would be accepted from the owner, so that a write is refused for who asks,
    // not for what it carries.
    let body_for = |m: &str, p: &str| -> Option<serde_json::Value> {
        if m != "POST" && m != "PUT" {
            return None;
        }
        Some(match p {
            "/v1/licences/{id}/suspend" | "/v1/licences/{id}/resume" | "/v1/licences/{id}/revoke" => {
                json!({"reason": "权限测试"})
            }
            "/v1/seals/{id}/{action}" => json!({"reason": "权限测试"}),
            "/v1/licences/{id}/annotations" => {
                json!({"use_cause": "权限测试", "user": "某中心", "expires": "2099-01-01"})
            }
            _ => json!({}),
        })
    };

    // Outsiders first: nothing they do changes state that matters.
    for (m, p) in yinxin_server::ROUTES {
        let path = fill(p);
        let method: Method = m.parse().unwrap();
        let is_public = public.contains(&(m.to_string(), p.to_string()));
        let r = s.call(method.clone(), &path, None, body_for(m, p), &[]).await;
        check("no token", m, &path, r.status.as_u16(), is_public);
        let r = s.call(method.clone(), &path, Some(&forged), body_for(m, p), &[]).await;
        check("a forged token", m, &path, r.status.as_u16(), is_public);
        let o = owner(p);
        if o == Owner::Market {
            for (who, t) in foreign_dept {
                let r = s.call(method.clone(), &path, Some(t), body_for(m, p), &[]).await;
                check(who, m, &path, r.status.as_u16(), false);
            }
            let r = s.call(method.clone(), &path, Some(&person), body_for(m, p), &[]).await;
            // The person holds none of these: only the public status of the licence is theirs to read.
            check("person", m, &path, r.status.as_u16(), is_public || p == &"/v1/status/{id}");
        }
        if o == Owner::Person {
            for (who, t) in [("holder", holder.as_str()), ("market", market.as_str()), ("officer", officer.as_str())] {
                let r = s.call(method.clone(), &path, Some(t), body_for(m, p), &[]).await;
                check(who, m, &path, r.status.as_u16(), false);
            }
        }
        if o == Owner::Holder {
            for (who, t) in
                [("person", person.as_str()), ("market", market.as_str()), ("transport", transport.as_str())]
            {
                let r = s.call(method.clone(), &path, Some(t), body_for(m, p), &[]).await;
                check(who, m, &path, r.status.as_u16(), false);
            }
        }
        if o == Owner::Admin {
            for (who, t) in [
                ("market", market.as_str()),
                ("officer", officer.as_str()),
                ("holder", holder.as_str()),
                ("authority", authority.as_str()),
            ] {
                let r = s.call(method.clone(), &path, Some(t), body_for(m, p), &[]).await;
                check(who, m, &path, r.status.as_u16(), is_public);
            }
        }
    }
    // Then everyone else, for no 5xx only (their own writes may succeed).
    for (who, t) in [
        ("officer", &officer),
        ("authority", &authority),
        ("holder", &holder),
        ("person", &person),
        ("market", &market),
        ("admin", &admin),
    ] {
        for (m, p) in yinxin_server::ROUTES {
            let path = fill(p);
            let r = s.call(m.parse().unwrap(), &path, Some(t), body_for(m, p), &[]).await;
            check(who, m, &path, r.status.as_u16(), true);
        }
    }
    assert!(failures.is_empty(), "{} of {calls} calls wrong:\n{}", failures.len(), failures.join("\n"));
    s.finish().await;
}
