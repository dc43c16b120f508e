<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en">
<context>
    <name>BulkController</name>
    <message numerus="yes">
        <source>Internal note on %n case(s)</source>
        <translation>
            <numerusform>Internal note on %n case</numerusform>
            <numerusform>Internal note on %n cases</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Close %n case(s)? Only a station chief can reopen them.</source>
        <translation>
            <numerusform>Close %n case? Only a station chief can reopen it.</numerusform>
            <numerusform>Close %n cases? Only a station chief can reopen them.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Transfer %n case(s) to %1? They leave your unit's queues.</source>
        <translation>
            <numerusform>Transfer %n case to %1? It leaves your unit's queues.</numerusform>
            <numerusform>Transfer %n cases to %1? They leave your unit's queues.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>BulkPanel</name>
    <message numerus="yes">
        <source>%n case(s) selected</source>
        <translation>
            <numerusform>%n case selected</numerusform>
            <numerusform>%n cases selected</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>BulkSummaryDialog</name>
    <message numerus="yes">
        <source>%1 on %n case(s)</source>
        <translation>
            <numerusform>%1 on %n case</numerusform>
            <numerusform>%1 on %n cases</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n action(s) saved; sent with the next sync.</source>
        <translation>
            <numerusform>%n action saved; sent with the next sync.</numerusform>
            <numerusform>%n actions saved; sent with the next sync.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n action(s) saved offline; sent when the server can be reached.</source>
        <translation>
            <numerusform>%n action saved offline; sent when the server can be reached.</numerusform>
            <numerusform>%n actions saved offline; sent when the server can be reached.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n case(s) not changed:</source>
        <translation>
            <numerusform>%n case not changed:</numerusform>
            <numerusform>%n cases not changed:</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>CasePane</name>
    <message numerus="yes">
        <source>(%n change(s) not sent)</source>
        <translation>
            <numerusform>(%n change not sent)</numerusform>
            <numerusform>(%n changes not sent)</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>(%n conflict(s))</source>
        <translation>
            <numerusform>(%n conflict)</numerusform>
            <numerusform>(%n conflicts)</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Commitments</name>
    <message numerus="yes">
        <source>my rating %1 (%n rating(s))</source>
        <translation>
            <numerusform>my rating %1 (%n rating)</numerusform>
            <numerusform>my rating %1 (%n ratings)</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>ConflictsView</name>
    <message numerus="yes">
        <source>%n action(s) could not be applied.</source>
        <translation>
            <numerusform>%n action could not be applied.</numerusform>
            <numerusform>%n actions could not be applied.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message numerus="yes">
        <source>%n case(s) newly assigned to you.</source>
        <translation>
            <numerusform>%n case newly assigned to you.</numerusform>
            <numerusform>%n cases newly assigned to you.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n case(s) are now due within 4 working hours.</source>
        <translation>
            <numerusform>%n case is now due within 4 working hours.</numerusform>
            <numerusform>%n cases are now due within 4 working hours.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n action(s) could not be applied. See Conflicts.</source>
        <translation>
            <numerusform>%n action could not be applied. See Conflicts.</numerusform>
            <numerusform>%n actions could not be applied. See Conflicts.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n case(s) could not be read from the server and were set aside: %1. The last good copy is kept; each is read again when it next changes.</source>
        <translation>
            <numerusform>%n case could not be read from the server and was set aside: %1. The last good copy is kept; it is read again when it next changes.</numerusform>
            <numerusform>%n cases could not be read from the server and were set aside: %1. The last good copy is kept; each is read again when it next changes.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n action(s) have not reached the server and will be lost. Delete anyway?</source>
        <translation>
            <numerusform>%n action has not reached the server and will be lost. Delete anyway?</numerusform>
            <numerusform>%n actions have not reached the server and will be lost. Delete anyway?</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>OutboxView</name>
    <message numerus="yes">
        <source>%n action(s) waiting to be sent.</source>
        <translation>
            <numerusform>%n action waiting to be sent.</numerusform>
            <numerusform>%n actions waiting to be sent.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n file(s) to upload.</source>
        <translation>
            <numerusform>%n file to upload.</numerusform>
            <numerusform>%n files to upload.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>QueuePane</name>
    <message numerus="yes">
        <source>%n case(s) found</source>
        <translation>
            <numerusform>%n case found</numerusform>
            <numerusform>%n cases found</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>ReassignDialog</name>
    <message numerus="yes">
        <source>%n open case(s)</source>
        <translation>
            <numerusform>%n open case</numerusform>
            <numerusform>%n open cases</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>StatusBar</name>
    <message numerus="yes">
        <source>%n not sent</source>
        <translation>
            <numerusform>%n not sent</numerusform>
            <numerusform>%n not sent</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>This computer's clock is off by %n minute(s)</source>
        <translation>
            <numerusform>This computer's clock is off by %n minute</numerusform>
            <numerusform>This computer's clock is off by %n minutes</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Supervision</name>
    <message numerus="yes">
        <source>%n case(s) entered due soon: </source>
        <translation>
            <numerusform>%n case entered due soon: </numerusform>
            <numerusform>%n cases entered due soon: </numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n case(s) went overdue: </source>
        <translation>
            <numerusform>%n case went overdue: </numerusform>
            <numerusform>%n cases went overdue: </numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Last %n day(s)</source>
        <translation>
            <numerusform>Last %n day</numerusform>
            <numerusform>Last %n days</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n overdue</source>
        <translation>
            <numerusform>%n overdue</numerusform>
            <numerusform>%n overdue</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n due soon</source>
        <translation>
            <numerusform>%n due soon</numerusform>
            <numerusform>%n due soon</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n case(s)</source>
        <translation>
            <numerusform>%n case</numerusform>
            <numerusform>%n cases</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n star(s)</source>
        <translation>
            <numerusform>%n star</numerusform>
            <numerusform>%n stars</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Urge %n case(s)</source>
        <translation>
            <numerusform>Urge %n case</numerusform>
            <numerusform>Urge %n cases</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n case(s) selected. Message to the officers:</source>
        <translation>
            <numerusform>%n case selected. Message to the officers:</numerusform>
            <numerusform>%n cases selected. Message to the officers:</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n case(s) could not be changed: </source>
        <translation>
            <numerusform>%n case could not be changed: </numerusform>
            <numerusform>%n cases could not be changed: </numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%1 to %2 (%n day(s))</source>
        <translation>
            <numerusform>%1 to %2 (%n day)</numerusform>
            <numerusform>%1 to %2 (%n days)</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Text</name>
    <message numerus="yes">
        <source>%n minute(s)</source>
        <translation>
            <numerusform>%n minute</numerusform>
            <numerusform>%n minutes</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n working day(s)</source>
        <translation>
            <numerusform>%n working day</numerusform>
            <numerusform>%n working days</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n day(s)</source>
        <translation>
            <numerusform>%n day</numerusform>
            <numerusform>%n days</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n hour(s)</source>
        <translation>
            <numerusform>%n hour</numerusform>
            <numerusform>%n hours</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>CaseSheet</name>
    <message numerus="yes">
        <source>Case sheets (%n)</source>
        <translation>
            <numerusform>Case sheet (%n)</numerusform>
            <numerusform>Case sheets (%n)</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>ReminderWatcher</name>
    <message numerus="yes">
        <source>%n callback(s) due: </source>
        <translation>
            <numerusform>%n callback due: </numerusform>
            <numerusform>%n callbacks due: </numerusform>
        </translation>
    </message>
</context>
<context>
    <name>FilesPanel</name>
    <message numerus="yes">
        <source>Files (%n)</source>
        <translation>
            <numerusform>Files (%n)</numerusform>
            <numerusform>Files (%n)</numerusform>
        </translation>
    </message>
</context>
</TS>
