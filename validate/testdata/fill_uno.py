#!/usr/bin/python3
"""Fill a collection workbook through LibreOffice, as a clerk types.

usage: fill_uno.py SPEC.json

SPEC is a JSON object:

    {"template": "/tmp/dir/county.xlsx",
     "outputs": [["/tmp/dir/lo.xlsx", "Calc MS Excel 2007 XML"],
                 ["/tmp/dir/lo.xls", "MS Excel 97"]],
     "cells": [{"sheet": "学前教育", "cell": "E7", "text": "62所"}, ...]}

It runs under internal/soffice's Runner.Script, which starts LibreOffice
with a private profile, waits until it listens and passes the UNO
connection string in $EDUSTAT_UNO. The script loads the template, selects
each cell and enters its text with .uno:EnterString, which is what typing
the text and pressing Enter does: LibreOffice recognises numbers, dates and
percents and keeps anything else (62所) as text. If the dispatch leaves the
cell empty it falls back to XCell.setFormula, which parses input alike. It
then stores the document in each output format and leaves with os._exit,
without finalizing Python (pyuno can crash as it disposes its proxies);
the Runner stops LibreOffice.

When LibreOffice fails under it (the bridge is disposed, the connection is
refused) it exits with 3, and the Runner tries again with a new
LibreOffice; any other failure exits 1. Each message says which step died.

The test in interop_test.go runs it with /usr/bin/python3 and python3-uno.
"""

import json
import os
import sys
import time

import uno
from com.sun.star.beans import PropertyValue
from com.sun.star.connection import NoConnectException
from com.sun.star.lang import DisposedException
from com.sun.star.table.CellContentType import EMPTY
from com.sun.star.uno import RuntimeException

RETRY = 3  # soffice.ScriptRetry: LibreOffice failed, try again


def prop(name, value):
    p = PropertyValue()
    p.Name = name
    p.Value = value
    return p


def connect(conn):
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext(
        "com.sun.star.bridge.UnoUrlResolver", local)
    deadline = time.time() + 60
    while True:
        try:
            return resolver.resolve("uno:" + conn)
        except NoConnectException:
            if time.time() > deadline:
                die(RETRY, "connect", "LibreOffice does not answer on " + conn)
            time.sleep(0.3)


def die(code, step, why):
    print("fill_uno: %s: %s" % (step, why), flush=True)
    os._exit(code)  # as main ends: no finalizing of pyuno's proxies


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        spec = json.load(f)
    conn = os.environ.get("EDUSTAT_UNO")
    if not conn:
        die(1, "start", "no $EDUSTAT_UNO: run me through soffice.Runner.Script")
    step = "connect"
    try:
        ctx = connect(conn)
        smgr = ctx.ServiceManager
        desktop = smgr.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        dispatcher = smgr.createInstanceWithContext("com.sun.star.frame.DispatchHelper", ctx)
        step = "load " + spec["template"]
        doc = desktop.loadComponentFromURL(
            uno.systemPathToFileUrl(os.path.abspath(spec["template"])), "_blank", 0,
            (prop("Hidden", True),))
        if doc is None:
            die(1, step, "LibreOffice cannot load it")
        controller = doc.getCurrentController()
        frame = controller.getFrame()
        typed = 0
        for c in spec["cells"]:
            step = "type %s!%s" % (c["sheet"], c["cell"])
            sheet = doc.Sheets.getByName(c["sheet"])
            cell = sheet.getCellRangeByName(c["cell"])
            controller.setActiveSheet(sheet)
            controller.select(cell)
            dispatcher.executeDispatch(frame, ".uno:EnterString", "", 0,
                                       (prop("StringName", c["text"]),))
            if cell.getType() == EMPTY and c["text"] != "":
                cell.setFormula(c["text"])
            else:
                typed += 1
        for path, filt in spec["outputs"]:
            step = "save " + path
            doc.storeToURL(uno.systemPathToFileUrl(os.path.abspath(path)),
                           (prop("FilterName", filt), prop("Overwrite", True)))
        step = "close"
        doc.close(True)
        print("fill_uno: %d cells typed, %d set" % (typed, len(spec["cells"]) - typed))
    except (DisposedException, RuntimeException) as e:
        die(RETRY, step, "%s: %s" % (type(e).__name__, e.Message))
    # The Runner stops LibreOffice. Leave without finalizing Python:
    # pyuno can crash as it disposes its proxies (seen on CI).
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
