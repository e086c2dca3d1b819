#!/usr/bin/python3
"""Fill a collection workbook through LibreOffice, as a clerk types.

usage: fill_uno.py SPEC.json

SPEC is a JSON object:

    {"soffice": "/usr/bin/soffice",
     "profile": "/tmp/dir/profile",           # a private user profile
     "template": "/tmp/dir/county.xlsx",
     "outputs": [["/tmp/dir/lo.xlsx", "Calc MS Excel 2007 XML"],
                 ["/tmp/dir/lo.xls", "MS Excel 97"]],
     "cells": [{"sheet": "学前教育", "cell": "E7", "text": "62所"}, ...]}

It starts soffice headless with a UNO socket, loads the template, selects
each cell and enters its text with .uno:EnterString, which is what typing
the text and pressing Enter does: LibreOffice recognises numbers, dates and
percents and keeps anything else (62所) as text. If the dispatch leaves the
cell empty it falls back to XCell.setFormula, which parses input alike. It
then stores the document in each output format and quits.

The test in interop_test.go runs it with /usr/bin/python3 and python3-uno.
"""

import json
import os
import socket
import subprocess
import sys
import time

import uno
from com.sun.star.beans import PropertyValue
from com.sun.star.connection import NoConnectException
from com.sun.star.table.CellContentType import EMPTY


def prop(name, value):
    p = PropertyValue()
    p.Name = name
    p.Value = value
    return p


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def connect(port, proc):
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext(
        "com.sun.star.bridge.UnoUrlResolver", local)
    url = "uno:socket,host=127.0.0.1,port=%d;urp;StarOffice.ComponentContext" % port
    deadline = time.time() + 90
    while True:
        try:
            return resolver.resolve(url)
        except NoConnectException:
            if proc.poll() is not None or time.time() > deadline:
                raise SystemExit("fill_uno: soffice did not start (exit %s)" % proc.poll())
            time.sleep(0.3)


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        spec = json.load(f)
    port = free_port()
    proc = subprocess.Popen([
        spec["soffice"],
        "-env:UserInstallation=" + uno.systemPathToFileUrl(spec["profile"]),
        "--headless", "--invisible", "--norestore", "--nologo", "--nodefault",
        "--nolockcheck",
        "--accept=socket,host=127.0.0.1,port=%d;urp;StarOffice.ComponentContext" % port,
    ], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        ctx = connect(port, proc)
        smgr = ctx.ServiceManager
        desktop = smgr.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        dispatcher = smgr.createInstanceWithContext("com.sun.star.frame.DispatchHelper", ctx)
        doc = desktop.loadComponentFromURL(
            uno.systemPathToFileUrl(os.path.abspath(spec["template"])), "_blank", 0,
            (prop("Hidden", True),))
        if doc is None:
            raise SystemExit("fill_uno: cannot load " + spec["template"])
        controller = doc.getCurrentController()
        frame = controller.getFrame()
        typed = 0
        for c in spec["cells"]:
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
            doc.storeToURL(uno.systemPathToFileUrl(os.path.abspath(path)),
                           (prop("FilterName", filt), prop("Overwrite", True)))
        doc.close(True)
        print("fill_uno: %d cells typed, %d set" % (typed, len(spec["cells"]) - typed))
        try:
            desktop.terminate()
        except Exception:
            pass  # the bridge goes away with the process
    finally:
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


if __name__ == "__main__":
    main()
