use super::*;

const DEMO: &str = include_str!("../../../../dtz/tests/cli/snapshots/dtz-iati.xml");

#[test]
fn the_demo_export_reads_without_findings_and_writes_back_the_same() {
    let file = read(DEMO.as_bytes()).expect("well-formed");
    assert_eq!(file.findings, Vec::new());
    assert_eq!(file.activities.len(), 8);
    let programme = &file.activities[0].activity.identifier;
    assert!(file.activities.iter().all(|r| &r.programme == programme), "one programme: the parent's");
    let model = Activities {
        generated: "2020-01-01T00:00:00Z".into(),
        activities: file.activities.iter().map(|r| r.activity.clone()).collect(),
    };
    let again = read(&crate::iati::write(&model).expect("writes")).expect("reads");
    assert_eq!(again.activities, file.activities);
    let dims = model.activities.iter().flat_map(|a| &a.results).flat_map(|r| &r.indicators).flat_map(|i| &i.periods);
    assert!(dims.flat_map(|p| &p.actuals).any(|f| !f.dimensions.is_empty()), "dimensions are read");
}

#[test]
fn unknown_codes_and_missing_parts_are_errors_with_their_line_and_path() {
    let xml = "<iati-activities version=\"2.03\">\n<iati-activity default-currency=\"EUR\" xml:lang=\"en\">\n\
        <iati-identifier>XM-DAC-1-A</iati-identifier>\n<reporting-org ref=\"XM-DAC-1\" type=\"99x\"/>\n\
        <title><narrative>T</narrative></title>\n<activity-status code=\"2\"/>\n\
        <result type=\"1\"><title><narrative>R</narrative></title>\n\
        <indicator measure=\"9\"><title><narrative>I</narrative></title></indicator></result>\n\
        <location ref=\"x\"/>\n</iati-activity>\n</iati-activities>\n";
    let file = read(xml.as_bytes()).expect("well-formed");
    let text: Vec<String> = file.findings.iter().map(ToString::to_string).collect();
    assert!(file.has_errors());
    assert!(
        text.contains(
            &"line 4: error: XM-DAC-1-A reporting-org: “99x” is not a code of the “OrganisationType” codelist"
                .to_owned()
        ),
        "{text:#?}"
    );
    assert!(text.iter().any(|t| t.starts_with("line 8: error: XM-DAC-1-A result[1]/indicator[1]: “9”")), "{text:#?}");
    assert!(
        text.contains(
            &"line 9: warning: XM-DAC-1-A location: not imported (dtz does not keep this element)".to_owned()
        ),
        "{text:#?}"
    );
}

#[test]
fn documents_with_a_dtd_are_refused() {
    let xml = "<?xml version=\"1.0\"?>\n<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>\n<iati-activities>&e;</iati-activities>";
    let e = read(xml.as_bytes()).expect_err("refused");
    assert!(e.contains("DOCTYPE") && e.contains("line 2"), "{e}");
}
